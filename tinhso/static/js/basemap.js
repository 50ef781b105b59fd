/* The maps' base: a Leaflet map with, bottom to top, the street tiles (only when the province
   runs a tile server: data-tiles), the offline base layer (data-basemap: a static GeoJSON built
   by scripts/build_basemap.py — land on a sea-coloured background, the neighbours' outlines and
   names, the province's outline) and the communes (data-units: the project's points, or the
   official outlines once loaded). Nothing is fetched from the internet. Used by feedback.js
   and ioc.js through window.TinhsoMap.create(el, options).

   Data attributes of the map element:
     data-basemap      URL of the offline layer (empty: none)
     data-units        URL of the communes' GeoJSON (core.views.map_units)
     data-bounds       [[south, west], [north, east]] of the province: the first view
     data-tiles        tile URL template (empty: no tiles)
     data-attribution  sources and licences of the layers, shown in the map's corner */
(function () {
  "use strict";

  var LABEL_ZOOM = 10; // commune names from this zoom on (78 names would cover the province)
  var STYLE = {
    land: { stroke: false, fillColor: "#f3efe4", fillOpacity: 1, interactive: false },
    abroad: { stroke: false, fillColor: "#e4e1d8", fillOpacity: 1, interactive: false },
    neighbour: { color: "#7b818c", weight: 1, fill: false, interactive: false },
    province: { color: "#7f1114", weight: 2.5, fillColor: "#ffffff", fillOpacity: 0.45, interactive: false },
    commune: { color: "#7f1114", weight: 0.8, dashArray: "3 3", fill: false, interactive: false },
    point: { radius: 3, color: "#ffffff", weight: 1, fillColor: "#4a5563", fillOpacity: 1, interactive: false },
  };

  function readJSON(el, name, fallback) {
    try {
      var value = JSON.parse(el.getAttribute(name) || "null");
      return value === null ? fallback : value;
    } catch (e) {
      return fallback;
    }
  }

  function escapeText(text) {
    var box = document.createElement("div");
    box.textContent = text;
    return box.innerHTML;
  }

  function getJSON(url, done) {
    if (!url || !window.fetch) return;
    window.fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json, application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) done(data); })
      .catch(function () { /* the map still works: tap to pick, markers */ });
  }

  function label(map, latlng, text, className) {
    return L.tooltip({ permanent: true, direction: "center", className: "ts-map-label " + className, interactive: false })
      .setLatLng(latlng)
      .setContent(escapeText(text))
      .addTo(map);
  }

  function pane(map, name, z) {
    map.createPane(name).style.zIndex = z;
    map.getPane(name).style.pointerEvents = "none";
  }

  function provinceStyle(withTiles) {
    // Over street tiles the province is an outline with a faint tint: the streets stay legible.
    return withTiles ? L.extend({}, STYLE.province, { fillOpacity: 0.08 }) : STYLE.province;
  }

  function drawBase(map, data, state, withTiles) {
    var box = (data.metadata || {}).bbox; // [west, south, east, north]: beyond it, no data
    if (box && !withTiles) {
      var world = [[-89, -179], [-89, 179], [89, 179], [89, -179]];
      var frame = [[box[1], box[0]], [box[3], box[0]], [box[3], box[2]], [box[1], box[2]]];
      L.polygon([world, frame], { stroke: false, fillColor: "#e9e9e6", fillOpacity: 1, interactive: false, pane: "tsLand" }).addTo(map);
      map.setMaxBounds(L.latLngBounds([box[1] - 1, box[0] - 1], [box[3] + 1, box[2] + 1]));
    }
    (data.features || []).forEach(function (f) {
      var p = f.properties || {};
      if (p.kind === "land") {
        var style = p.country === "VNM" ? STYLE.land : STYLE.abroad;
        if (withTiles) style = L.extend({}, style, { fillOpacity: 0 });
        L.geoJSON(f, { style: style, pane: "tsLand", className: "ts-land" }).addTo(map);
      } else if (p.kind === "neighbour") {
        L.geoJSON(f, { style: STYLE.neighbour, pane: "tsLines" }).addTo(map);
        if (p.label) label(map, p.label, p.name, "ts-map-neighbour");
      } else if (p.kind === "province" && !state.officialProvince) {
        state.province = L.geoJSON(f, { style: provinceStyle(withTiles), pane: "tsLines", className: "ts-province" }).addTo(map);
      }
    });
  }

  function drawUnits(map, data, state) {
    var labels = [];
    (data.features || []).forEach(function (f) {
      var p = f.properties || {};
      var geometry = f.geometry || {};
      if (p.kind === "province") {
        state.officialProvince = true;
        if (state.province) map.removeLayer(state.province);
        state.province = L.geoJSON(f, { style: provinceStyle(state.tiles), pane: "tsLines", className: "ts-province" }).addTo(map);
        return;
      }
      if (geometry.type !== "Point") {
        L.geoJSON(f, { style: STYLE.commune, pane: "tsLines" }).addTo(map);
      }
      if (p.label) {
        L.circleMarker(p.label, L.extend({ pane: "tsUnits", className: "ts-commune" }, STYLE.point)).addTo(map);
        labels.push(label(map, p.label, p.name, "ts-map-commune"));
        state.places.push({ name: p.name, lat: p.label[0], lng: p.label[1] });
      }
    });
    state.units = labels.length;
  }

  // The commune whose point is closest (a hint for people, not the commune the report is filed
  // under: the form asks for that).
  function nearest(places, latlng) {
    var best = null;
    var bestDistance = Infinity;
    var squeeze = Math.cos((latlng.lat * Math.PI) / 180);
    places.forEach(function (place) {
      var dy = place.lat - latlng.lat;
      var dx = (place.lng - latlng.lng) * squeeze;
      var distance = dx * dx + dy * dy;
      if (distance < bestDistance) {
        best = place;
        bestDistance = distance;
      }
    });
    return best;
  }

  function create(el) {
    el.hidden = false;
    var sources = el.nextElementSibling;
    if (sources && sources.hasAttribute("data-map-sources")) sources.hidden = false;
    var map = L.map(el, {
      center: readJSON(el, "data-centre", [17.2, 106.5]),
      zoom: 8,
      scrollWheelZoom: false,
      attributionControl: true,
    });
    pane(map, "tsLand", 250);
    pane(map, "tsLines", 350);
    pane(map, "tsUnits", 380);
    var tiles = el.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
    } else {
      el.classList.add("ts-offline"); // the sea's colour behind the land
    }
    var credit = el.getAttribute("data-attribution");
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    if (credit) map.attributionControl.addAttribution(escapeText(credit));
    var bounds = readJSON(el, "data-bounds", null);
    if (bounds) map.fitBounds(bounds, { padding: [4, 4] });

    function near() {
      el.classList.toggle("ts-near", map.getZoom() >= LABEL_ZOOM);
    }
    map.on("zoomend", near);
    near();

    var state = { tiles: Boolean(tiles), places: [] };
    map.tsNearest = function (latlng) { return nearest(state.places, latlng); };
    getJSON(el.getAttribute("data-basemap"), function (data) {
      drawBase(map, data, state, Boolean(tiles));
      el.setAttribute("data-basemap-ready", "");
    });
    getJSON(el.getAttribute("data-units"), function (data) {
      drawUnits(map, data, state);
      el.setAttribute("data-units-ready", String(state.units || 0));
    });
    return map;
  }

  window.TinhsoMap = { create: create, readJSON: readJSON, bounds: function (el) { return readJSON(el, "data-bounds", null); } };
})();

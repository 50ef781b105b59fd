/* Field feedback maps (Leaflet, vendored). No inline scripts: elements carry data-* attributes.

   [data-fb-map]   a map (its base layers: js/basemap.js) with data-markers
                   ([{id, lat, lng, title, status, status_label, url}]).
   data-pick-lat / data-pick-lng   ids of the inputs a tap on the map fills (the submit form);
   [data-fb-locate]      button: use the device's position;
   [data-fb-pick-centre] button: mark the centre of the map (keyboard users pan with the arrows).
   The pages work without JavaScript: the map stays hidden and the inputs are typed. */
(function () {
  "use strict";

  var COLOURS = { open: "#a3161a", closed: "#17663a", pick: "#0b4f8a" };

  function readJSON(el, name, fallback) {
    try {
      var value = JSON.parse(el.getAttribute(name) || "null");
      return value === null ? fallback : value;
    } catch (e) {
      return fallback;
    }
  }

  function popup(marker) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = marker.url;
    link.textContent = marker.title;
    box.appendChild(link);
    if (marker.status_label) {
      var line = document.createElement("p");
      line.textContent = marker.status_label;
      box.appendChild(line);
    }
    return box;
  }

  function setupMap(el) {
    if (!window.L || !window.TinhsoMap) return;
    var map = window.TinhsoMap.create(el);
    var tiles = el.getAttribute("data-tiles");
    var markers = readJSON(el, "data-markers", []);
    var spread = null;
    markers.forEach(function (m) {
      var circle = L.circleMarker([m.lat, m.lng], {
        radius: 9, color: "#ffffff", weight: 2, fillColor: COLOURS[m.status] || COLOURS.open, fillOpacity: 1,
      }).addTo(map);
      circle.bindPopup(popup(m));
      spread = spread ? spread.extend(circle.getLatLng()) : L.latLngBounds(circle.getLatLng(), circle.getLatLng());
    });
    var picking = el.hasAttribute("data-pick-lat");
    if (!picking && markers.length === 1) {
      // One report: its place, close enough to read the communes' names around it.
      map.setView([markers[0].lat, markers[0].lng], tiles ? 16 : 11);
    } else if (!picking && spread && markers.length > 1 && el.hasAttribute("data-fit-markers")) {
      map.fitBounds(spread, { padding: [24, 24], maxZoom: tiles ? 17 : 12 });
    }
    if (picking) setupPick(el, map);
    el.fbMap = map;
  }

  function setupPick(el, map) {
    var lat = document.getElementById(el.getAttribute("data-pick-lat"));
    var lng = document.getElementById(el.getAttribute("data-pick-lng"));
    var status = document.getElementById(el.getAttribute("data-pick-status"));
    if (!lat || !lng) return;
    var marker = null;

    function place(latlng, typed) {
      if (!marker) {
        marker = L.circleMarker(latlng, {
          radius: 10, color: "#ffffff", weight: 3, fillColor: COLOURS.pick, fillOpacity: 1,
        }).addTo(map);
      } else {
        marker.setLatLng(latlng);
      }
      if (!typed) {
        lat.value = latlng.lat.toFixed(6);
        lng.value = latlng.lng.toFixed(6);
      }
      if (status) {
        var near = map.tsNearest ? map.tsNearest(latlng) : null;
        var hint = near ? " " + (el.getAttribute("data-near-text") || "").replace("{name}", near.name) : "";
        status.textContent = (el.getAttribute("data-picked-text") || "") + " " + lat.value + ", " + lng.value + hint;
      }
    }

    function fromInputs() {
      var a = parseFloat(String(lat.value).replace(",", "."));
      var b = parseFloat(String(lng.value).replace(",", "."));
      if (isFinite(a) && isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180) {
        place(L.latLng(a, b), true);
        map.setView([a, b], Math.max(map.getZoom(), el.getAttribute("data-tiles") ? 14 : 11));
      }
    }

    map.on("click", function (event) { place(event.latlng, false); });
    lat.addEventListener("change", fromInputs);
    lng.addEventListener("change", fromInputs);
    fromInputs();

    var centre = document.querySelector("[data-fb-pick-centre]");
    if (centre) {
      centre.hidden = false;
      centre.addEventListener("click", function () { place(map.getCenter(), false); });
    }
    var locate = document.querySelector("[data-fb-locate]");
    if (locate && navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        if (status) status.textContent = locate.getAttribute("data-wait") || "";
        navigator.geolocation.getCurrentPosition(
          function (position) {
            var here = L.latLng(position.coords.latitude, position.coords.longitude);
            place(here, false);
            map.setView(here, el.getAttribute("data-tiles") ? 16 : 12);
          },
          function () {
            if (status) status.textContent = locate.getAttribute("data-failed") || "";
          },
          { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
        );
      });
    }
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-fb-map]"), setupMap);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

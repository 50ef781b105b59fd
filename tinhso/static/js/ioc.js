/* Operations-centre pages: charts (ECharts), the commune map (Leaflet), PNG downloads, and the
   figures block that htmx refreshes every minute. No inline scripts (the CSP forbids them):
   elements carry data-* attributes.

   [data-trend]          JSON: months, online, counter, post, on_time, online_share, labels.
   [data-ioc-chart]      a chart box inside it: "channels" (stacked bars) or "rates" (lines).
   [data-ioc-png]        button: download the chart whose id it names as a PNG (a Blob URL).
   [data-ioc-map]        the map (its base layers: js/basemap.js), data-legend.
   #ioc-map-data         data-markers: [{id, name, lat, lng, received, overdue, text, url}];
                         the map itself is kept across refreshes (hx-preserve), its markers are
                         redrawn from the new block.
   Without JavaScript the charts and the map stay hidden; the tables carry the same figures. */
(function () {
  "use strict";

  var COLOURS = {
    online: "#0b4f8a", counter: "#a3161a", post: "#7a4a00", onTime: "#17663a", onlineShare: "#0b4f8a",
    ink: "#1b1f24", muted: "#4a5563", line: "#c9ced6",
  };
  var OVERDUE = { none: "#17663a", some: "#b35c00", many: "#a3161a" };
  // The province's conventions in both languages (as the server formats): 1.234 and 85,3.
  var integer = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 0 });
  var decimal = new Intl.NumberFormat("vi-VN", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  function readJSON(el, name, fallback) {
    try {
      var value = JSON.parse((el && el.getAttribute(name)) || "null");
      return value === null ? fallback : value;
    } catch (e) {
      return fallback;
    }
  }

  function percent(value) {
    return value === null || value === undefined || value === "-" ? "–" : decimal.format(value) + "%";
  }

  function base() {
    return {
      // No animation: the block is redrawn every minute, and a chart caught half-drawn (by a
      // PNG download or a screenshot) would show wrong figures.
      animation: false,
      // Patterns on the bars and lines, so the series differ by more than colour; the container
      // keeps the page's own label (the figure caption), not ECharts' generated one.
      aria: { enabled: true, label: { enabled: false }, decal: { show: true } },
      textStyle: { color: COLOURS.ink, fontFamily: "Noto Sans, DejaVu Sans, sans-serif" },
      legend: { top: 0, textStyle: { color: COLOURS.ink } },
      grid: { left: 8, right: 16, bottom: 8, top: 48, containLabel: true },
      // Rich-text tooltips are drawn on the canvas: no HTML with inline styles (strict CSP).
      tooltip: { trigger: "axis", renderMode: "richText" },
    };
  }

  function channelsOption(d) {
    var option = base();
    var labels = d.labels || {};
    option.color = [COLOURS.online, COLOURS.counter, COLOURS.post];
    option.tooltip.valueFormatter = function (v) { return integer.format(v || 0); };
    option.xAxis = { type: "category", data: d.months, axisLabel: { color: COLOURS.ink } };
    option.yAxis = {
      type: "value", name: labels.dossiers || "", nameTextStyle: { color: COLOURS.muted }, minInterval: 1,
      axisLabel: { color: COLOURS.ink, formatter: function (v) { return integer.format(v); } },
    };
    option.series = [
      { name: labels.online, type: "bar", stack: "received", data: d.online },
      { name: labels.counter, type: "bar", stack: "received", data: d.counter },
      { name: labels.post, type: "bar", stack: "received", data: d.post },
    ];
    return option;
  }

  function asPercent(values) {
    return (values || []).map(function (v) { return v === null ? null : Math.round(v * 1000) / 10; });
  }

  function ratesOption(d) {
    var option = base();
    var labels = d.labels || {};
    option.color = [COLOURS.onTime, COLOURS.onlineShare];
    option.tooltip.valueFormatter = percent;
    option.xAxis = { type: "category", data: d.months, axisLabel: { color: COLOURS.ink } };
    option.yAxis = {
      type: "value", min: 0, max: 100,
      axisLabel: { color: COLOURS.ink, formatter: function (v) { return integer.format(v) + "%"; } },
    };
    option.series = [
      {
        name: labels.on_time, type: "line", data: asPercent(d.on_time), symbol: "circle",
        symbolSize: 7, lineStyle: { width: 3 }, connectNulls: false,
      },
      {
        name: labels.online_share, type: "line", data: asPercent(d.online_share), symbol: "triangle",
        symbolSize: 9, lineStyle: { width: 3, type: "dashed" }, connectNulls: false,
      },
    ];
    return option;
  }

  var OPTIONS = { channels: channelsOption, rates: ratesOption };

  function initCharts(root) {
    if (!window.echarts) return;
    Array.prototype.forEach.call(root.querySelectorAll("[data-ioc-chart]"), function (el) {
      if (el.iocChart) return;
      var build = OPTIONS[el.getAttribute("data-ioc-chart")];
      var data = readJSON(el.closest("[data-trend]"), "data-trend", null);
      if (!build || !data) return;
      el.hidden = false;
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(build(data));
      el.iocChart = chart;
    });
    Array.prototype.forEach.call(root.querySelectorAll("[data-ioc-png]"), function (button) {
      var target = document.getElementById(button.getAttribute("data-ioc-png"));
      button.hidden = !(target && target.iocChart);
    });
  }

  function disposeCharts(root) {
    if (!window.echarts || !root || !root.querySelectorAll) return;
    Array.prototype.forEach.call(root.querySelectorAll("[data-ioc-chart]"), function (el) {
      if (el.iocChart) {
        el.iocChart.dispose();
        el.iocChart = null;
      }
    });
  }

  function resizeCharts() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-ioc-chart]"), function (el) {
      if (el.iocChart) el.iocChart.resize();
    });
  }

  // --- PNG: the chart as an image, offered through a Blob URL (allowed by img-src blob:) ----

  function pngBlob(dataUrl) {
    var bytes = atob(dataUrl.slice(dataUrl.indexOf(",") + 1));
    var buffer = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i += 1) buffer[i] = bytes.charCodeAt(i);
    return new Blob([buffer], { type: "image/png" });
  }

  function downloadPng(button) {
    var el = document.getElementById(button.getAttribute("data-ioc-png"));
    if (!el || !el.iocChart) return;
    var url = URL.createObjectURL(pngBlob(el.iocChart.getDataURL({
      type: "png", pixelRatio: 2, backgroundColor: "#ffffff",
    })));
    var link = document.createElement("a");
    link.href = url;
    link.download = button.getAttribute("data-filename") || "bieu-do.png";
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
    window.setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-ioc-png]");
    if (button) {
      event.preventDefault();
      downloadPng(button);
    }
  });

  // --- the map ----------------------------------------------------------------------------------

  function popup(m) {
    var box = document.createElement("div");
    var link = document.createElement(m.url ? "a" : "strong"); // no link on a kiosk wall
    if (m.url) link.href = m.url;
    link.textContent = m.name;
    box.appendChild(link);
    var line = document.createElement("p");
    line.textContent = m.text;
    box.appendChild(line);
    return box;
  }

  function drawMarkers(el) {
    if (!el.iocLayer) return;
    var markers = readJSON(document.getElementById("ioc-map-data"), "data-markers", []);
    var most = 1;
    markers.forEach(function (m) { most = Math.max(most, m.received || 0); });
    el.iocLayer.clearLayers();
    markers.forEach(function (m) {
      var colour = m.overdue >= 10 ? OVERDUE.many : m.overdue > 0 ? OVERDUE.some : OVERDUE.none;
      L.circleMarker([m.lat, m.lng], {
        radius: 5 + 15 * Math.sqrt((m.received || 0) / most),
        color: "#ffffff", weight: 2, fillColor: colour, fillOpacity: 0.85,
      })
        .bindPopup(popup(m))
        .bindTooltip(m.name + ": " + m.text)
        .addTo(el.iocLayer);
    });
  }

  function setupMap(el) {
    if (!window.L || !window.TinhsoMap || el.iocMap) return;
    var map = window.TinhsoMap.create(el);
    var legend = readJSON(el, "data-legend", {});
    if (legend.boundary) {
      var control = L.control({ position: "bottomleft" });
      control.onAdd = function () {
        var box = L.DomUtil.create("div", "ioc-map-note");
        box.textContent = legend.boundary;
        return box;
      };
      control.addTo(map);
    }
    el.iocLayer = L.layerGroup().addTo(map);
    el.iocMap = map;
    drawMarkers(el);
    Array.prototype.forEach.call(document.querySelectorAll("[data-ioc-map-legend]"), function (item) {
      item.hidden = false;
    });
  }

  function start() {
    initCharts(document);
    showPause();
    Array.prototype.forEach.call(document.querySelectorAll("[data-ioc-map]"), function (el) {
      if (el.iocMap) {
        drawMarkers(el); // kept across the refresh: only the markers change
        Array.prototype.forEach.call(document.querySelectorAll("[data-ioc-map-legend], [data-map-sources]"), function (item) {
          item.hidden = false;
        });
      } else {
        setupMap(el);
      }
    });
  }

  // --- the automatic refresh: pausable (WCAG 2.2.2), and skipped while the tab is hidden or
  // the keyboard focus is inside the block (a swap would lose the reader's place) ------------

  var PAUSE_KEY = "tinhso.ioc.paused";

  function paused() {
    try {
      return window.sessionStorage.getItem(PAUSE_KEY) === "1";
    } catch (e) {
      return false;
    }
  }

  function showPause() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-ioc-pause]"), function (button) {
      button.hidden = false;
      button.setAttribute("aria-pressed", paused() ? "true" : "false");
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-ioc-pause]");
    if (!button) return;
    try {
      window.sessionStorage.setItem(PAUSE_KEY, paused() ? "0" : "1");
    } catch (e) { /* private mode: the button just does nothing */ }
    showPause();
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var live = event.detail && event.detail.elt;
    if (!live || live.id !== "ioc-live") return; // "Refresh now" always goes through
    if (paused() || document.hidden || live.contains(document.activeElement)) {
      event.preventDefault();
    }
  });

  // The refresh replaces the figures block: free the old charts, draw the new ones.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail && event.detail.shouldSwap) disposeCharts(event.detail.target);
  });
  document.addEventListener("htmx:afterSwap", start);

  var resizing = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(resizeCharts, 150);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

// Dashboard charts: the indicator over time and the province map (ECharts). The page carries its
// data as <script type="application/json"> (json_script): no inline scripts under the CSP. Runs on
// load and again after every htmx swap of the dashboard body.
(function () {
  "use strict";

  const MAP_NAME = "vn-provinces-34";
  // Trường Sa lies far south-east: drawn in place it shrinks the mainland to a strip. It is drawn
  // as an inset (scaled, framed and labelled) in the sea off Khánh Hòa, as printed maps of
  // Việt Nam do; Hoàng Sa stays where it is. [lng, lat] box of the inset.
  const SPRATLY_SOURCE = { minLng: 110.4, maxLng: 117.0, minLat: 6.9, maxLat: 12.1 };
  const SPRATLY_INSET = { minLng: 110.4, maxLng: 112.7, minLat: 9.0, maxLat: 10.8 };
  const PARACEL_BOX = { minLng: 110.9, maxLng: 113.0, minLat: 15.5, maxLat: 17.4 };
  // Mainland, Hoàng Sa and the inset: what the map must fill.
  const BOUNDS = [[102.0, 23.5], [113.8, 8.2]];

  let geoPromise = null;

  function lang() {
    const l = document.documentElement.lang || "vi";
    return l.startsWith("vi") ? "vi-VN" : l;
  }

  function formatter(decimals) {
    const nf = new Intl.NumberFormat(lang(), { maximumFractionDigits: decimals ?? 1 });
    return (v) => (v === null || v === undefined || Number.isNaN(v) ? "—" : nf.format(v));
  }

  function readJson(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function instance(el) {
    const old = window.echarts.getInstanceByDom(el);
    if (old) old.dispose();
    return window.echarts.init(el, null, { renderer: "canvas" });
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  // --- chart over time ------------------------------------------------------------------------

  function drawChart() {
    const el = document.getElementById("dash-chart");
    const data = readJson("dash-chart-data");
    if (!el || !data || !window.echarts) return;
    const fmt = formatter(data.decimals);
    const chart = instance(el);
    const hasTargets = data.targets.some((t) => t !== null);
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 8, top: 28, bottom: 8, containLabel: true },
      legend: { top: 0, data: hasTargets ? [data.names.value, data.names.target] : [data.names.value] },
      tooltip: {
        trigger: "axis",
        valueFormatter: (v) => fmt(v) + (data.unitOfMeasure ? " " + data.unitOfMeasure : ""),
      },
      xAxis: { type: "category", data: data.labels, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", axisLabel: { formatter: (v) => fmt(v) } },
      series: [
        {
          name: data.names.value,
          type: "bar",
          data: data.values.map((v, i) => ({
            value: v,
            itemStyle: { color: data.periods[i] === data.selected ? "#0b3d91" : "#5b8def" },
          })),
          barMaxWidth: 28,
        },
        ...(hasTargets
          ? [{ name: data.names.target, type: "line", data: data.targets, step: "middle", symbol: "none",
               lineStyle: { type: "dashed", color: "#d9480f", width: 2 }, itemStyle: { color: "#d9480f" } }]
          : []),
      ],
    });
    window.dxDashboard.chart = chart;
  }

  // --- province map ---------------------------------------------------------------------------

  function inBox(ring, box) {
    return ring.every(([x, y]) => x >= box.minLng && x <= box.maxLng && y >= box.minLat && y <= box.maxLat);
  }

  function toInset(polygon) {
    const s = SPRATLY_SOURCE, t = SPRATLY_INSET;
    const kx = (t.maxLng - t.minLng) / (s.maxLng - s.minLng);
    const ky = (t.maxLat - t.minLat) / (s.maxLat - s.minLat);
    const k = Math.min(kx, ky); // one scale: keep the islands' shape
    return polygon.map((ring) => ring.map(([x, y]) => [t.minLng + (x - s.minLng) * k, t.minLat + (y - s.minLat) * k]));
  }

  function prepare(geo) {
    for (const feature of geo.features) {
      const g = feature.geometry;
      if (g.type !== "MultiPolygon") continue;
      g.coordinates = g.coordinates.map((polygon) => (inBox(polygon[0], SPRATLY_SOURCE) ? toInset(polygon) : polygon));
    }
    return geo;
  }

  function loadGeo(url) {
    if (!geoPromise) {
      geoPromise = fetch(url, { credentials: "same-origin" })
        .then((r) => {
          if (!r.ok) throw new Error("map " + r.status);
          return r.json();
        })
        .then((geo) => {
          const names = {};
          for (const f of geo.features) names[f.properties.code] = f.properties.name;
          window.echarts.registerMap(MAP_NAME, prepare(geo));
          return names;
        });
      geoPromise.catch(() => { geoPromise = null; });
    }
    return geoPromise;
  }

  function frame(box) {
    return [[box.minLng, box.maxLat], [box.maxLng, box.maxLat], [box.maxLng, box.minLat], [box.minLng, box.minLat],
      [box.minLng, box.maxLat]];
  }

  function drawMap() {
    const el = document.getElementById("dash-map");
    const data = readJson("dash-map-data");
    if (!el || !data || !window.echarts) return;
    loadGeo(data.geojson).then((names) => {
      if (!document.body.contains(el)) return; // swapped away meanwhile
      const fmt = formatter(data.decimals);
      const byCode = {};
      for (const d of data.data) byCode[d.name] = d;
      const values = data.data.map((d) => d.value).filter((v) => v !== null);
      const lower = data.direction === "lower";
      const highlight = data.highlight;
      const items = data.data.map((d) => ({ name: d.name, value: d.value === null ? NaN : d.value }));
      const own = highlight ? byCode[highlight] : null;
      // A province's map: the province stands out, with its figure; the others stay grey.
      const regions = highlight ? [{
        name: highlight,
        itemStyle: { areaColor: "#0b5ed7", borderColor: "#052c65", borderWidth: 1 },
        label: { show: true, color: "#052c65", fontWeight: "bold", fontSize: 12, backgroundColor: "rgba(255,255,255,0.85)",
                 padding: [2, 4], borderRadius: 3, formatter: own && own.value !== null ? `${own.text}` : data.labels.noData },
      }] : [];
      const chart = instance(el);
      chart.setOption({
        animation: false,
        tooltip: {
          trigger: "item",
          formatter: (p) => {
            if (p.seriesType !== "map") return escapeHtml(p.name);
            const d = byCode[p.name];
            const title = escapeHtml(d ? d.unit : names[p.name] || p.name);
            if (!d || d.value === null) return `<strong>${title}</strong><br>${escapeHtml(data.labels.noData)}`;
            return `<strong>${title}</strong><br>${escapeHtml(data.labels.value)}: ${escapeHtml(fmt(d.value))}` +
              `<br>${escapeHtml(data.labels.achievement)}: ${escapeHtml(d.achievement)}` +
              `<br>${escapeHtml(data.labels.n)}: ${d.n}`;
          },
        },
        geo: {
          map: MAP_NAME,
          nameProperty: "code",
          boundingCoords: BOUNDS,
          top: 8, bottom: 8, left: 8, right: 8,
          roam: false,
          selectedMode: false,
          itemStyle: { areaColor: "#e9ecef", borderColor: "#ffffff", borderWidth: 0.6 },
          emphasis: { label: { show: false }, itemStyle: { areaColor: "#ffd43b" } },
          label: { show: false },
          regions,
        },
        visualMap: highlight || values.length === 0 ? undefined : {
          type: "continuous",
          min: Math.min(...values),
          max: Math.max(...values) === Math.min(...values) ? Math.min(...values) + 1 : Math.max(...values),
          left: 4, bottom: 12, itemWidth: 10, itemHeight: 90, calculable: false,
          text: [fmt(Math.max(...values)), fmt(Math.min(...values))],
          textStyle: { fontSize: 11 },
          seriesIndex: 0,
          inRange: { color: lower ? ["#1a9850", "#fee08b", "#d73027"] : ["#d73027", "#fee08b", "#1a9850"] },
          outOfRange: { color: "#e9ecef" },
        },
        series: [
          // nameProperty again: the series lists the regions of the shared geo by its own setting.
          { type: "map", geoIndex: 0, nameProperty: "code", data: items },
          { // frames of the archipelagos
            type: "lines", coordinateSystem: "geo", polyline: true, silent: true, z: 3,
            lineStyle: { type: "dashed", color: "#6c757d", width: 1, opacity: 0.8 },
            data: [{ coords: frame(SPRATLY_INSET) }, { coords: frame(PARACEL_BOX) }],
          },
          { // their names
            type: "scatter", coordinateSystem: "geo", symbolSize: 0, silent: true, z: 4,
            label: { show: true, position: "bottom", fontSize: 10, lineHeight: 12, color: "#495057", align: "center",
                     formatter: (p) => p.name, width: 96, overflow: "break" },
            data: [
              { name: data.labels.spratlys, value: [(SPRATLY_INSET.minLng + SPRATLY_INSET.maxLng) / 2, SPRATLY_INSET.maxLat],
                label: { position: "top" } },
              { name: data.labels.paracels, value: [(PARACEL_BOX.minLng + PARACEL_BOX.maxLng) / 2, PARACEL_BOX.minLat] },
            ],
          },
        ],
      });
      chart.on("click", (p) => {
        const d = p.seriesType === "map" ? byCode[p.name] : null;
        if (d && d.url && !highlight) window.location.assign(d.url);
      });
      window.dxDashboard.map = chart;
      el.dataset.ready = "1";
    }).catch(() => {
      el.textContent = el.getAttribute("aria-label") || "";
    });
  }

  function draw() {
    drawChart();
    drawMap();
  }

  window.dxDashboard = window.dxDashboard || {};
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", (event) => {
    if (event.target && (event.target.id === "dash-body" || event.target.closest("#dash-body"))) {
      if (document.getElementById("dash-chart") && !window.echarts.getInstanceByDom(document.getElementById("dash-chart"))) draw();
    }
  });
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      for (const id of ["dash-chart", "dash-map"]) {
        const el = document.getElementById(id);
        const chart = el && window.echarts.getInstanceByDom(el);
        if (chart) chart.resize();
      }
    }, 150);
  });
})();

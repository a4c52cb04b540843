// The events map: markers over a French outline shipped with Parlons; tiles only
// when the operator configured a tile URL. The list below the map holds the same
// information, so the page works without JavaScript.
(function () {
  var el = document.getElementById("carte");
  if (!el || typeof L === "undefined") return;
  // Leaflet's zoom buttons say « Zoom in » and « Zoom out »: in French here.
  var map = L.map(el, { attributionControl: true, zoomControl: false }).setView([46.6, 2.4], 5);
  L.control.zoom({ zoomInTitle: "Zoomer", zoomOutTitle: "Dézoomer" }).addTo(map);
  // The markers are drawn only (the list below the map is their text alternative):
  // hidden from screen readers, which would meet unnamed shapes.
  map.getPanes().overlayPane.setAttribute("aria-hidden", "true");
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 18 }).addTo(map);
  }
  fetch(el.dataset.outline).then(function (r) { return r.json(); }).then(function (shape) {
    L.geoJSON(shape, { style: { color: "#000091", weight: 1, fillOpacity: 0.05 } }).addTo(map);
  }).catch(function () {});
  var markers = JSON.parse(el.dataset.markers || "[]");
  markers.forEach(function (m) {
    if (m.latitude == null || m.longitude == null) return;
    var link = document.createElement("a");
    link.href = "/evenements/" + encodeURIComponent(m.meeting_id);
    link.textContent = m.title;
    L.circleMarker([m.latitude, m.longitude], { radius: 7, color: "#000091", fillOpacity: 0.8 })
      .bindPopup(link).addTo(map);
  });
})();

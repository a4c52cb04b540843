// The events map: markers over a French outline shipped with Parlons; tiles only
// when the operator configured a tile URL. The list below the map holds the same
// information, so the page works without JavaScript.
(function () {
  var el = document.getElementById("carte");
  if (!el || typeof L === "undefined") return;
  var map = L.map(el, { attributionControl: true }).setView([46.6, 2.4], 5);
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

// Click-to-load videos: nothing is requested from the video host before the click.
document.querySelectorAll(".parlons-video").forEach(function (box) {
  var button = box.querySelector(".parlons-video-load");
  if (!button || !box.dataset.embedUrl) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var frame = document.createElement("iframe");
    frame.src = box.dataset.embedUrl;
    frame.title = box.dataset.title || "Vidéo";
    frame.className = "parlons-video-frame";
    frame.allow = "fullscreen; picture-in-picture";
    frame.referrerPolicy = "no-referrer";
    button.replaceWith(frame);
  });
});

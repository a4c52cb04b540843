// Parlons anti-robot check (proof of work), served by Parlons itself: no third
// party, no inline script (strict CSP). Finds a nonce such that
// SHA-256(challenge + ":" + nonce) starts with `bits` zero bits, fills the form
// and submits it. Without JavaScript (or Web Crypto) the page's "wait" form works.
(function () {
  "use strict";
  var form = document.querySelector("form[data-pow-challenge]");
  if (!form || !window.crypto || !window.crypto.subtle || !window.TextEncoder) return;
  var challenge = form.getAttribute("data-pow-challenge");
  var bits = parseInt(form.getAttribute("data-pow-bits"), 10);
  var status = document.getElementById("pow-status");
  var encoder = new TextEncoder();

  function leadingZeroBits(bytes) {
    var count = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { count += 8; continue; }
      for (var b = 7; b >= 0 && !(bytes[i] & (1 << b)); b--) count++;
      break;
    }
    return count;
  }

  async function solve() {
    if (status) status.textContent = "Vérification anti-robot en cours…";
    for (var nonce = 0; ; nonce++) {
      var digest = await crypto.subtle.digest("SHA-256", encoder.encode(challenge + ":" + nonce));
      if (leadingZeroBits(new Uint8Array(digest)) >= bits) return String(nonce);
    }
  }

  solve().then(function (nonce) {
    form.querySelector("input[name=pow_nonce]").value = nonce;
    if (status) status.textContent = "Vérification terminée.";
    form.submit();
  });
})();

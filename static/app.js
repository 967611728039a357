// Progressive enhancements only: every form works without this file.
(function () {
  "use strict";
  var MAX_SIDE = 2400, QUALITY = 0.85, SMALL = 1500000;

  // A phone photo is often 4-8 MB; scaled in the browser to the size the server keeps
  // anyway, it uploads in a fraction of the time and data. On any failure the original
  // file is sent and the server does the work.
  function downscale(input) {
    var file = input.files && input.files[0];
    showPreview(input, file);
    if (!file || !/^image\/(jpeg|png|webp)$/.test(file.type) || !window.createImageBitmap ||
        !window.DataTransfer) return;
    createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bmp) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
      if (scale === 1 && file.size <= SMALL) return;
      var c = document.createElement("canvas");
      c.width = Math.round(bmp.width * scale);
      c.height = Math.round(bmp.height * scale);
      c.getContext("2d").drawImage(bmp, 0, 0, c.width, c.height);
      c.toBlob(function (blob) {
        if (!blob || blob.size >= file.size) return;
        var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
        var dt = new DataTransfer();
        dt.items.add(new File([blob], name, { type: "image/jpeg" }));
        input.files = dt.files;
      }, "image/jpeg", QUALITY);
    }).catch(function () {});
  }

  function showPreview(input, file) {
    var old = input.parentNode.querySelector("img.preview");
    if (old) old.remove();
    if (!file || !/^image\//.test(file.type)) return;
    var img = document.createElement("img");
    img.className = "preview thumb";
    img.alt = "";
    img.src = URL.createObjectURL(file);
    input.parentNode.insertBefore(img, input.nextSibling);
  }

  document.querySelectorAll("input[type=file][data-downscale]").forEach(function (input) {
    input.addEventListener("change", function () { downscale(input); });
  });

  // Officials turn a sideways photo for reading (display only; the file is unchanged).
  document.querySelectorAll("[data-rotate]").forEach(function (btn) {
    var img = btn.parentNode.querySelector("img");
    var turns = 0;
    btn.hidden = false;
    btn.addEventListener("click", function () {
      turns = (turns + 1) % 4;
      img.style.transform = "rotate(" + turns * 90 + "deg)";
    });
  });

  // After a code was sent, 获取验证码 counts the minute down (the server refuses an
  // earlier resend anyway).
  document.querySelectorAll("button[data-countdown]").forEach(function (btn) {
    var left = parseInt(btn.getAttribute("data-countdown"), 10) || 0;
    var label = btn.textContent;
    function tick() {
      if (left <= 0) { btn.disabled = false; btn.textContent = label; return; }
      btn.disabled = true;
      btn.textContent = label + " (" + left + ")";
      left -= 1;
      setTimeout(tick, 1000);
    }
    tick();
  });
})();

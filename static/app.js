// Progressive enhancements only: every form works without this file.
(function () {
  "use strict";
  var MAX_SIDE = 2400, QUALITY = 0.85, SMALL = 1500000;

  // A phone photo is often 4-8 MB; scaled in the browser to the size the server keeps
  // anyway, it uploads in a fraction of the time and data. On any failure the original
  // file is sent and the server does the work. Resolves once the input holds the file
  // to send.
  function downscale(input) {
    var file = input.files && input.files[0];
    showPreview(input, file);
    if (!file || !/^image\/(jpeg|png|webp)$/.test(file.type) || !window.createImageBitmap ||
        !window.DataTransfer) return Promise.resolve();
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bmp) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
      if (scale === 1 && file.size <= SMALL) return;
      var c = document.createElement("canvas");
      c.width = Math.round(bmp.width * scale);
      c.height = Math.round(bmp.height * scale);
      c.getContext("2d").drawImage(bmp, 0, 0, c.width, c.height);
      return new Promise(function (done) {
        c.toBlob(function (blob) {
          if (blob && blob.size < file.size) {
            var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
            var dt = new DataTransfer();
            dt.items.add(new File([blob], name, { type: "image/jpeg" }));
            input.files = dt.files;
          }
          done();
        }, "image/jpeg", QUALITY);
      });
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

  // A photo is sent as soon as it is picked, one at a time, with its progress shown;
  // the server's answer (the case page) brings the new documents section, so the page
  // does not reload. If the network fails, the photo stays in its picker and the
  // form's own 上传 / 提交 send it (as they do without JavaScript).
  var canSend = !!(window.FormData && window.XMLHttpRequest && window.DOMParser);
  var queue = [], busy = false, held = null, fresh = null, lost = [];

  function say(input, text) {
    var p = input.parentNode.querySelector(".upload-state");
    if (p) p.textContent = text;
  }

  function send() {
    if (busy) return;
    var input = queue.shift();
    if (!input) {
      if (fresh) swap(fresh);
      fresh = null;
      lost = [];
      if (held) { var b = held; held = null; submitWith(b); }
      return;
    }
    var form = document.getElementById("docs-form");
    var file = input.files && input.files[0];
    if (!form || !file) { send(); return; }
    busy = true;
    var data = new FormData();
    data.append("_csrf", form.querySelector("input[name=_csrf]").value);
    data.append(input.name, file);
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    input.parentNode.appendChild(bar);
    var label = form.getAttribute("data-uploading");
    say(input, label);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) return;
      bar.value = Math.round(e.loaded * 100 / e.total);
      say(input, label + " " + bar.value + "%");
    };
    xhr.onload = function () {
      busy = false;
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var section = doc.getElementById("documents");
      if (section) {
        section.setAttribute("data-sent-bytes", String(file.size));
        fresh = {
          section: section, doc: doc, url: xhr.responseURL,
          flashes: Array.prototype.slice.call(doc.querySelectorAll("main > p.flash")).reverse()
        };
      } else {
        failed(input, bar, form);
      }
      send();
    };
    xhr.onerror = function () {
      busy = false;
      failed(input, bar, form);
      send();
    };
    xhr.send(data);
  }

  function failed(input, bar, form) {
    bar.remove();
    lost.push(input);
    say(input, form.getAttribute("data-offline"));
    var all = document.getElementById("upload-all");
    if (all) all.hidden = false;
  }

  function swap(fresh) {
    var old = document.getElementById("documents");
    if (!old) return;
    var node = document.importNode(fresh.section, true);
    old.parentNode.replaceChild(node, old);
    enhance(node);
    // A photo of the same batch that did not get through keeps its picker (with the
    // file and the "not sent" note) in the new section, for 上传 / 提交 to send.
    var form = document.getElementById("docs-form");
    lost.forEach(function (input) {
      var twin = node.querySelector('input[type=file][name="' + input.name + '"]');
      if (!twin) return;
      twin.parentNode.replaceChild(input, twin);
      if (form) say(input, form.getAttribute("data-offline"));
      var all = document.getElementById("upload-all");
      if (all) all.hidden = false;
    });
    // The banner above (a problem now fixed, or a new one) and the address follow.
    var main = document.querySelector("main");
    if (main) {
      main.querySelectorAll(":scope > p.flash").forEach(function (p) { p.remove(); });
      fresh.flashes.forEach(function (p) {
        main.insertBefore(document.importNode(p, true), main.firstChild);
      });
    }
    var lang = document.querySelector("a.lang"), freshLang = fresh.doc.querySelector("a.lang");
    if (lang && freshLang) lang.href = freshLang.getAttribute("href");
    if (fresh.url && window.history.replaceState) window.history.replaceState(null, "", fresh.url);
  }

  function submitWith(button) {
    var form = document.getElementById("docs-form");
    if (form && form.requestSubmit) form.requestSubmit(button);
    else button.click();
  }

  // 提交 while a photo is still on its way waits for it (else the photo would be sent
  // twice, or the page would leave before it arrived).
  document.addEventListener("submit", function (e) {
    if (!e.target || e.target.id !== "docs-form" || (!busy && !queue.length)) return;
    e.preventDefault();
    held = e.submitter || null;
  }, true);

  function enhance(root) {
    root.querySelectorAll("input[type=file][data-downscale]").forEach(function (input) {
      input.addEventListener("change", function () {
        downscale(input).then(function () {
          if (!canSend || !input.hasAttribute("data-upload") || !input.files.length) return;
          say(input, document.getElementById("docs-form").getAttribute("data-uploading"));
          queue.push(input);
          send();
        });
      });
    });
    var all = root.querySelector("#upload-all");
    if (all && canSend) all.hidden = true;
  }
  document.documentElement.setAttribute("data-js", "");
  enhance(document);

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

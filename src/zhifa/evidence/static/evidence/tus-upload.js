/* zhifa evidence upload: a small tus 1.0 client (creation, checksum sha256, resume).
 * No dependencies. The upload URL is remembered in localStorage per file (name, size, date), so
 * choosing the same file again after a cut or a reload resumes where the server stopped. */
(function () {
  "use strict";
  var CHUNK = 8 * 1024 * 1024;
  var form = document.getElementById("tus-upload");
  if (!form) { return; }
  var endpoint = form.dataset.endpoint;
  var csrf = form.dataset.csrf;
  var progress = form.querySelector("progress");
  var statusLine = form.querySelector(".status");
  var texts = {};
  document.querySelectorAll("#tus-messages [data-key]").forEach(function (el) {
    texts[el.dataset.key] = el.textContent;
  });

  function say(key, extra) { statusLine.textContent = (texts[key] || "") + (extra || ""); }

  function b64(bytes) {
    var s = "";
    var view = new Uint8Array(bytes);
    for (var i = 0; i < view.length; i++) { s += String.fromCharCode(view[i]); }
    return btoa(s);
  }

  function utf8b64(text) { return b64(new TextEncoder().encode(text)); }

  function headers(extra) {
    var h = { "Tus-Resumable": "1.0.0", "X-CSRFToken": csrf };
    Object.keys(extra || {}).forEach(function (k) { h[k] = extra[k]; });
    return h;
  }

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  function fingerprint(file) {
    return "zhifa-tus:" + file.name + ":" + file.size + ":" + file.lastModified;
  }

  function capturedAt(value) {
    // datetime-local has no zone: send it with the browser's offset.
    var d = new Date(value);
    var off = -d.getTimezoneOffset();
    var sign = off >= 0 ? "+" : "-";
    var pad = function (n) { return String(Math.floor(Math.abs(n))).padStart(2, "0"); };
    return value + (value.length === 16 ? ":00" : "") + sign + pad(off / 60) + ":" + pad(off % 60);
  }

  function metadata(file) {
    var fields = ["agency", "kind", "device", "place", "description", "late_reason", "confidentiality"];
    var pairs = ["filename " + utf8b64(file.name)];
    fields.forEach(function (name) {
      var value = form.elements[name].value;
      if (value) { pairs.push(name + " " + utf8b64(value)); }
    });
    pairs.push("captured_at " + utf8b64(capturedAt(form.elements.captured_at.value)));
    return pairs.join(",");
  }

  async function errorText(response) {
    try {
      var body = await response.json();
      var detail = body.detail && typeof body.detail === "object" ? Object.values(body.detail).join("；") : "";
      return body.message + (detail ? "（" + detail + "）" : "");
    } catch (e) {
      return String(response.status);
    }
  }

  async function create(file) {
    var response = await fetch(endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: headers({ "Upload-Length": String(file.size), "Upload-Metadata": metadata(file) })
    });
    if (response.status !== 201) { throw new Error(await errorText(response)); }
    return response.headers.get("Location");
  }

  async function offsetOf(url) {
    var response = await fetch(url, { method: "HEAD", credentials: "same-origin", headers: headers() });
    if (response.status !== 200) { return null; }
    return {
      offset: parseInt(response.headers.get("Upload-Offset"), 10),
      evidence: response.headers.get("Zhifa-Evidence-Id")
    };
  }

  async function send(url, file, offset) {
    var blob = file.slice(offset, Math.min(offset + CHUNK, file.size));
    var bytes = await blob.arrayBuffer();
    var digest = await crypto.subtle.digest("SHA-256", bytes);
    var response = await fetch(url, {
      method: "PATCH",
      credentials: "same-origin",
      headers: headers({
        "Content-Type": "application/offset+octet-stream",
        "Upload-Offset": String(offset),
        "Upload-Checksum": "sha256 " + b64(digest)
      }),
      body: bytes
    });
    if (response.status === 204) {
      return {
        offset: parseInt(response.headers.get("Upload-Offset"), 10),
        evidence: response.headers.get("Zhifa-Evidence-Id")
      };
    }
    if (response.status === 409 || response.status === 423 || response.status === 460) { return null; }
    var error = new Error(await errorText(response));
    error.fatal = true;
    throw error;
  }

  async function upload(file) {
    var key = fingerprint(file);
    var url = localStorage.getItem(key);
    var state = url ? await offsetOf(url) : null;
    if (!state) {
      url = await create(file);
      localStorage.setItem(key, url);
      state = { offset: 0, evidence: null };
    }
    var failures = 0;
    while (!(state && state.evidence)) {
      progress.value = file.size ? Math.floor((state.offset * 100) / file.size) : 0;
      say("sending", progress.value + "%");
      try {
        var next = await send(url, file, state.offset);
        state = next || (await offsetOf(url));
        if (!state) {
          var gone = new Error(texts.failed);
          gone.fatal = true;
          throw gone;
        }
        failures = 0;
      } catch (error) {
        if (error.fatal) { throw error; }
        failures += 1;
        say("retry");
        await sleep(Math.min(30000, 1000 * Math.pow(2, Math.min(failures, 5))));
        state = (await offsetOf(url).catch(function () { return null; })) || state;
      }
    }
    localStorage.removeItem(key);
    progress.value = 100;
    say("done", state.evidence);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var file = form.elements.file.files[0];
    if (!file) { return; }
    form.querySelector("button").disabled = true;
    upload(file).catch(function (error) { say("failed", error.message); }).finally(function () {
      form.querySelector("button").disabled = false;
    });
  });
})();

// widget.js: the one script a site embeds. `cargo xtask build` puts
// wasm-bindgen's no-modules glue at the glue marker below, minifies the
// result, and then writes the wasm module's bytes into the bytes marker's
// string (one byte per character, see xtask's `embed_wasm`).
//
// The module travels inside this file: a second file would need a second
// request, and on a visitor's first page view a second connection, which
// measured slower than its bytes cost here (README, "Performance").
//
// This wrapper only does what must happen synchronously or is plumbing:
// find its own <script> tag (currentScript exists only now), stop a second
// copy of the tag, give the page `window.Switchboard`, fetch the site's
// config while the wasm compiles, turn provider callbacks into calls of the
// wasm's `hook`, turn every failure into one console warning, and offer two
// queue stubs that need JS's `arguments`. The decisions (which chat, which
// URL, which globals) are all in the wasm.
(function () {
  "use strict";
  var script = document.currentScript;
  var warned = false;
  // One warning per page: "could not start", or `text` when something less
  // than the chat failed.
  function warn(error, text) {
    if (!warned) {
      warned = true;
      try {
        console.warn(text || "Switchboard: the chat widget could not start.", error);
      } catch (ignored) {}
    }
  }
  // The tag ends in `error` with a reason the page (or the demo) can read.
  function fail(reason, error) {
    try {
      if (script) {
        script.setAttribute("data-switchboard-reason", reason);
        script.setAttribute("data-switchboard-state", "error");
      }
    } catch (ignored) {}
    warn(error);
  }
  // The page may have made window.Switchboard read-only or a throwing
  // getter: nothing here may throw into it.
  var existing;
  try {
    existing = window.Switchboard;
  } catch (ignored) {}
  var marker = "__switchboardLoader";
  var duplicate = false;
  try {
    duplicate = !!(document[marker] || (existing && existing.loader));
    document[marker] = 1;
  } catch (ignored) {}
  if (duplicate) {
    // The tag is on the page twice: the first one does the work.
    try {
      if (script) script.setAttribute("data-switchboard-state", "duplicate");
    } catch (ignored) {}
    return;
  }
  // The started wasm (it starts before this script ends, so the page cannot
  // call the API earlier; if it could not start, calls do nothing).
  var wasm = null;
  function api(name) {
    return function (argument) {
      try {
        if (wasm) wasm[name](argument);
      } catch (error) {
        warn(error);
      }
    };
  }
  try {
    window.Switchboard = { loader: 1, identify: api("identify"), open: api("open"), reset: api("reset") };
  } catch (error) {
    // The chat still loads; only the JS API is missing, and the warning says so.
    warn(error, "Switchboard: window.Switchboard cannot be set on this page; the chat loads, but Switchboard.identify, open and reset are not available.");
  }
  if (!script || !script.src || typeof WebAssembly !== "object") {
    fail("unsupported", "unsupported page or browser");
    return;
  }
  // Loading from now on (the config travels while the wasm compiles).
  try {
    script.setAttribute("data-switchboard-state", "loading");
  } catch (ignored) {}
  function guarded(call) {
    try {
      call();
    } catch (error) {
      warn(error);
    }
  }
  // Pages that require Trusted Types for scripts allow our policy by name
  // (`trusted-types switchboard`); the URLs it passes were built by the
  // loader from validated account values.
  var policy = null;
  function trustedUrl(url) {
    try {
      if (!policy && window.trustedTypes && window.trustedTypes.createPolicy) {
        policy = window.trustedTypes.createPolicy("switchboard", { createScriptURL: function (u) { return u; } });
      }
      if (policy) return policy.createScriptURL(url);
    } catch (ignored) {}
    return url;
  }
  var helpers = {
    w: window,
    url: trustedUrl,
    // A function a provider calls back (script load, ready event).
    hook: function (code) {
      return function () { guarded(function () { wasm.hook(code); }); };
    },
    // The same, after a callback the page had set under that name.
    chain: function (previous, code) {
      return function () {
        try {
          if (typeof previous === "function") previous.apply(this, arguments);
        } finally {
          guarded(function () { wasm.hook(code); });
        }
      };
    },
    // A function that records its calls in f[property] (Intercom's `q`,
    // Smartsupp's `_`), as the providers' own snippets do.
    queue: function (property) {
      var f = function () { f[property].push(arguments); };
      f[property] = [];
      f.c = function (args) { f[property].push(args); };
      return f;
    },
    // LiveChat's documented stub: calls wait in _q until tracking.js loads.
    livechat: function () {
      var slice = [].slice;
      var e = { _q: [], _h: null, _v: "2.0" };
      function push(args) { return e._h ? e._h.apply(null, args) : e._q.push(args); }
      ["on", "once", "off", "call"].forEach(function (name) {
        e[name] = function () { push([name, slice.call(arguments)]); };
      });
      e.get = function () {
        if (!e._h) throw new Error("[LiveChatWidget] You can't use getters before load.");
        return push(["get", slice.call(arguments)]);
      };
      e.init = function () {};
      return e;
    },
    warn: warn
  };
  // The config request starts now, before the wasm compiles. Whatever fetch
  // or the body does (throw at once, return something that is not a
  // promise, resolve to nonsense, never settle), the answer is settled
  // exactly once, and goes to the wasm once it has started (a fetch that
  // throws at once settles before that).
  var answer = null;
  function settle(status, body) {
    if (answer) return;
    answer = [status, body];
    if (wasm) deliver();
  }
  function deliver() {
    guarded(function () { wasm.configure(answer[0], answer[1]); });
  }
  // `data-site` (trimmed) names the site; without it, the page's host does.
  function configUrl() {
    var site = script.getAttribute("data-site");
    site = typeof site === "string" ? site.trim() : "";
    var query = site ? "site=" + encodeURIComponent(site) : "host=" + encodeURIComponent(location.hostname);
    return new URL("api/v1/widget/config?" + query, script.src);
  }
  // A config answer that never comes (a stalled network, a fetch that never
  // settles) ends as `unreachable` rather than `loading` forever.
  try {
    setTimeout(function () { settle(0, null); }, 15000);
  } catch (ignored) {}
  // `await`, not `.then`: it reaches the engine's promises without looking
  // up methods the page may have replaced (Promise.prototype.then), and
  // every rejection is handled here, none reaches the page.
  (async function () {
    try {
      var response = await fetch(configUrl());
      if (!response.ok) return settle(response.status || 2, null);
      var value;
      try {
        value = await response.json();
      } catch (error) {
        return settle(1, null);
      }
      settle(200, value);
    } catch (error) {
      settle(0, null);
    }
  })();
  // The module, compiled and started synchronously while the config request
  // is on its way: no promise of ours that a page could break, and the
  // wasm is ready before any answer can arrive. A page whose CSP lacks
  // 'wasm-unsafe-eval' gets a CompileError here.
  // (No `.length` of the string: the minifier would fold it to the length
  // of the marker, before the bytes take its place.)
  var bytes = "@WASM_BYTES@";
  try {
    for (var i = 0, list = [], c; (c = bytes.charCodeAt(i)) >= 0; i++) list[i] = c;
    var module = new WebAssembly.Module(new Uint8Array(list));
    /*@GLUE@*/
    __switchboard_widget.initSync({ module: module });
    __switchboard_widget.start(script, helpers);
    wasm = __switchboard_widget;
  } catch (error) {
    wasm = null;
    fail(error instanceof WebAssembly.CompileError ? "blocked" : "unsupported", error);
  }
  if (wasm && answer) deliver();
})();

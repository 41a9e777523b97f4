// widget.js: the one script a site embeds. `cargo xtask build` minifies it
// and then writes the wasm module's bytes into the bytes marker's string
// (one byte per character, see xtask's `embed_wasm`). The wasm's imports
// and exports are ours (widget/src/js.rs), not wasm-bindgen's.
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
  // The started wasm's exports (it starts before this script ends, so the
  // page cannot call the API earlier; if it could not start, calls do
  // nothing): s start, c configure, h hook, i identify, o open, r reset.
  var wasm = null;
  // What rules.js gets (see `deliver`): `c` is the consent the page gave
  // (`Switchboard.consent`), `s` the check rules.js runs again when it changes.
  var link = { c: false };
  function api(call) {
    return function (argument) {
      try {
        if (wasm) call(argument);
      } catch (error) {
        warn(error);
      }
    };
  }
  try {
    window.Switchboard = {
      loader: 1,
      identify: api(function (visitor) { wasm.i(handle(visitor)); }),
      open: api(function () { wasm.o(); }),
      reset: api(function () { wasm.r(); }),
      consent: function (yes) {
        link.c = yes !== false;
        if (link.s) link.s();
      }
    };
  } catch (error) {
    // The chat still loads; only the JS API is missing, and the warning says so.
    warn(error, "Switchboard: window.Switchboard cannot be set; the chat loads without its API.");
  }
  if (!script || !script.src || typeof WebAssembly !== "object") {
    fail("unsupported");
    return;
  }
  // Loading from now on (the config travels while the wasm compiles).
  try {
    script.setAttribute("data-switchboard-state", "loading");
  } catch (ignored) {}
  // Values reach the wasm as handles into this table (widget/src/js.rs):
  // 0 to 3 are always undefined, null, true and false; a freed slot holds
  // the next free one. What the page may replace later is taken now.
  var table = [void 0, null, true, false];
  var nextFree = 4;
  function handle(value) {
    if (value === void 0) return 0;
    if (value === null) return 1;
    if (value === true) return 2;
    if (value === false) return 3;
    var index = nextFree;
    nextFree = index < table.length ? table[index] : index + 1;
    table[index] = value;
    return index;
  }
  // Built-ins as they are now, so a page that replaces them later cannot
  // make the loader misbehave (one that did so before us still can).
  var memory, get, set, apply, charCodeAt, trim, encode, isArray, Bytes, Wasm;
  try {
    get = Reflect.get;
    set = Reflect.set;
    apply = Reflect.apply;
    charCodeAt = "".charCodeAt;
    trim = "".trim;
    encode = encodeURIComponent;
    isArray = Array.isArray;
    Bytes = Uint8Array;
    Wasm = WebAssembly;
    var CompileError = Wasm.CompileError;
    var TooLarge = RangeError;
  } catch (error) {
    fail("unsupported", error);
    return;
  }
  // `instanceof` throws when the page replaced the class with a non-function.
  function isA(error, type) {
    try {
      return error instanceof type;
    } catch (ignored) {
      return false;
    }
  }
  function isObject(x) {
    return (typeof x === "object" && x !== null) || typeof x === "function";
  }
  // `Op` in widget/src/js.rs, in its order (called with three values; the
  // built-ins here ignore the ones they do not take).
  var ops = [
    function (x, y) { return isObject(x) ? get(x, y) : void 0; },
    function (x, y, z) { if (isObject(x)) set(x, y, z); },
    function (x, y, z) { return typeof x === "function" ? apply(x, y, z) : void 0; },
    String,
    function (x) { return typeof x === "string" ? apply(trim, x, []) : void 0; },
    function (x, y) { return x + y; },
    encode,
    function (x) { return parseInt(x, 10); },
    function () { return []; },
    function (x, y) { x[x.length] = y; },
    function () { return {}; },
    function () { return new Date(); },
    function (x, y) { return x === y; },
    function (x) { return x; }
  ];
  var imports = {
    // An op on up to three values (anything it throws means undefined).
    o: function (op, x, y, z) {
      try {
        return handle(ops[op](table[x], table[y], table[z]));
      } catch (error) {
        return 0;
      }
    },
    k: function (x) {
      x = table[x];
      return (typeof x === "object" && x !== null ? 1 : 0) | (typeof x === "string" ? 2 : 0) | (x ? 4 : 0);
    },
    f: function (x) {
      x = table[x];
      return typeof x === "number" ? x : NaN;
    },
    n: handle,
    // ASCII text from the wasm's memory.
    t: function (pointer, length) {
      var bytes = new Bytes(memory.buffer, pointer, length);
      for (var text = "", i = 0; i < length; i++) text += String.fromCharCode(bytes[i]);
      return handle(text);
    },
    d: function (x) {
      if (x > 3) {
        table[x] = nextFree;
        nextFree = x;
      }
    }
  };
  function guarded(call) {
    try {
      call();
    } catch (error) {
      warn(error);
    }
  }
  // Pages that require Trusted Types for scripts allow our policy by name
  // (`trusted-types switchboard`); the URLs it passes were built by the
  // loader from validated account values. A relative URL (Switchboard's own
  // scripts) is resolved against this script's.
  var policy = null;
  function trustedUrl(url) {
    try {
      url = new URL(url, script.src).href;
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
      return function () { guarded(function () { wasm.h(code); }); };
    },
    // The same, after a callback the page had set under that name.
    chain: function (previous, code) {
      return function () {
        try {
          if (typeof previous === "function") previous.apply(this, arguments);
        } finally {
          guarded(function () { wasm.h(code); });
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
    var body = answer[1];
    guarded(function () {
      if (answer[0] == 200 && isObject(body) && body.enabled === true && isObject(body.rules)) {
        // Display rules decide first (rules.js, fetched only by sites that
        // have rules); it hands back the chat to load, when it may load.
        var element = document.createElement("script");
        element.src = trustedUrl("rules.js");
        element.crossOrigin = "anonymous";
        link.b = body;
        link.t = script;
        link.w = warn;
        link.u = trustedUrl;
        link.g = function (chat) { guarded(function () { wasm.c(200, handle(chat)); }); };
        element.switchboard = link;
        element.onerror = function () { fail("script_failed"); };
        (document.head || document.documentElement).appendChild(element);
      } else wasm.c(answer[0], handle(body));
    });
  }
  // `data-site` (trimmed) names the site; without it, the page's host does.
  function configUrl() {
    var site = script.getAttribute("data-site");
    site = typeof site === "string" ? apply(trim, site, []) : "";
    var query = site ? "site=" + encode(site) : "host=" + encode(location.hostname);
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
      // An array is JSON but not the object the loader needs.
      settle(200, isArray(value) ? null : value);
    } catch (error) {
      settle(0, null);
    }
  })();
  // The module, compiled and started synchronously while the config request
  // is on its way: no promise of ours that a page could break, and the
  // wasm is ready before any answer can arrive. A page whose CSP lacks
  // 'wasm-unsafe-eval' gets a CompileError here. The bytes are read with
  // the charCodeAt taken above, and at most 1 MiB of them whatever it does.
  // (No `.length` of the string: the minifier would fold it to the length
  // of the marker, before the bytes take its place.)
  var bytes = "@WASM_BYTES@";
  function started(instance) {
    var exports = instance.exports;
    memory = exports.memory;
    exports.s(handle(script), handle(helpers));
    wasm = exports;
    if (answer) deliver();
  }
  function failed(error) {
    wasm = null;
    fail(isA(error, CompileError) ? "blocked" : "unsupported", error);
  }
  try {
    for (var i = 0, list = [], c; i < 1048576 && (c = apply(charCodeAt, bytes, [i])) >= 0; i++) list[i] = c;
    list = new Bytes(list);
    var module = new Wasm.Module(list);
  } catch (error) {
    // Chromium before 114 compiles at most 4 KB synchronously on the main
    // thread (a RangeError): there, asynchronously.
    if (isA(error, TooLarge)) {
      (async function () {
        try {
          started((await Wasm.instantiate(list, { j: imports })).instance);
        } catch (error) {
          failed(error);
        }
      })();
    } else failed(error);
  }
  if (module) {
    try {
      started(new Wasm.Instance(module, { j: imports }));
    } catch (error) {
      failed(error);
    }
  }
})();

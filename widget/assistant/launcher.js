// The built-in assistant's launcher, loaded by widget.js's `switchboard`
// recipe on every page of a site whose chat is one of our chatbots. It draws
// a small round button at once (in a Shadow DOM, styled through
// CSSOM, so neither the page's CSS nor its CSP's style-src touch it) and
// fetches the chat panel (panel.js) only when the visitor opens it: pages
// pay nothing for the panel until then.
//
// The recipe queues calls on `window.switchboardChat` before this runs
// (identify, open, reset); they are replayed here, and later calls go
// straight in. Which bot and site: the site's widget config, read again the
// way widget.js read it (the browser's cache has it). Nothing here may throw into the page: every entry point
// catches, and what the page may replace later is taken now.
(function () {
  "use strict";
  var script = document.currentScript;
  var own;
  try {
    own = new URL(script.src);
  } catch (ignored) {
    return;
  }
  var doc = document;
  var apply = Reflect.apply;
  var create = doc.createElement;
  var createNS = doc.createElementNS;
  var setAttribute = Element.prototype.setAttribute;
  var appendChild = Node.prototype.appendChild;
  var addListener = EventTarget.prototype.addEventListener;
  var Sheet = window.CSSStyleSheet;
  // Taken now: a page that wraps or replaces fetch later changes nothing here.
  var fetchFn = window.fetch;
  var state = { bot: "", site: "", full: false, visitor: null, panel: null, loading: false, openWhenReady: false, button: null, root: null, host: null };

  function el(name, attributes, parent) {
    var node = apply(create, doc, [name]);
    for (var key in attributes) {
      if (Object.prototype.hasOwnProperty.call(attributes, key)) apply(setAttribute, node, [key, attributes[key]]);
    }
    if (parent) apply(appendChild, parent, [node]);
    return node;
  }
  function on(target, type, listener) {
    apply(addListener, target, [type, function (event) {
      try {
        listener(event);
      } catch (error) {
        warn(error);
      }
    }]);
  }
  // What the API takes: text, or nothing.
  function text(value) {
    return value === null || value === void 0 || value === "" ? void 0 : String(value);
  }
  function warn(error) {
    try {
      console.warn("Switchboard assistant:", error);
    } catch (ignored) {}
  }
  function japanese() {
    var lang = "";
    try {
      lang = String(doc.documentElement.lang || navigator.language || "");
    } catch (ignored) {}
    return lang.slice(0, 2).toLowerCase() === "ja";
  }

  var LAUNCHER_CSS =
    ":host{all:initial}" +
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;border-radius:50%;border:0;" +
    "background:#1f5fbf;color:#fff;box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer;display:flex;align-items:center;justify-content:center;padding:0}" +
    ".launcher:hover{background:#184c99}.launcher:focus-visible{outline:3px solid #ffbf47;outline-offset:3px}" +
    ".launcher svg{width:28px;height:28px;fill:currentColor}.launcher[aria-expanded=true]{display:none}" +
    "@media (prefers-reduced-motion:no-preference){.launcher{transition:transform .15s}.launcher:hover{transform:scale(1.06)}}";

  // Styles through CSSOM: a CSP without 'unsafe-inline' allows them. A
  // browser without constructable sheets gets a <style> (which such a CSP
  // would block: the button still works, unstyled).
  function style(root, css) {
    try {
      if (Sheet && "adoptedStyleSheets" in root) {
        var sheet = new Sheet();
        sheet.replaceSync(css);
        root.adoptedStyleSheets = [sheet];
        return;
      }
    } catch (ignored) {}
    el("style", {}, root).textContent = css;
  }

  function draw() {
    if (state.root || !state.bot) return;
    var parent = (state.full && doc.getElementById("chat")) || doc.body || doc.documentElement;
    var host = el("div", { "data-switchboard-assistant": "" }, parent);
    var root = host.attachShadow({ mode: "open" });
    state.host = host;
    state.root = root;
    if (state.hidden) host.style.display = "none";
    if (state.full) {
      // The direct chat page is the panel alone, the page's whole height
      // (CSSOM: the page's CSP allows no inline style).
      var page = [doc.documentElement, doc.body, parent, host];
      for (var i = 0; i < page.length; i++) {
        page[i].style.margin = "0";
        page[i].style.height = "100%";
      }
      doc.body.style.background = "#f5f7fa";
      return;
    }
    style(root, LAUNCHER_CSS);
    var button = el("button", {
      type: "button",
      class: "launcher",
      "aria-haspopup": "dialog",
      "aria-expanded": "false",
      "aria-label": japanese() ? "チャットで質問する" : "Chat with us"
    }, root);
    var svg = apply(createNS, doc, ["http://www.w3.org/2000/svg", "svg"]);
    apply(setAttribute, svg, ["viewBox", "0 0 24 24"]);
    apply(setAttribute, svg, ["aria-hidden", "true"]);
    var path = apply(createNS, doc, ["http://www.w3.org/2000/svg", "path"]);
    apply(setAttribute, path, ["d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"]);
    apply(appendChild, svg, [path]);
    apply(appendChild, button, [svg]);
    on(button, "click", open);
    state.button = button;
  }

  // The panel script calls the boot function it finds on its own <script>
  // element: no global of ours for the page to see or replace.
  function loadPanel() {
    if (state.loading || state.panel) return;
    state.loading = true;
    var tag = el("script", { async: "" });
    tag.switchboardBoot = function (createPanel) {
      try {
        state.panel = createPanel({
          bot: state.bot,
          origin: own.origin,
          root: state.root,
          japanese: japanese(),
          full: state.full,
          visitor: state.visitor,
          site: state.site,
          fetch: fetchFn,
          closed: function () {
            if (!state.button) return;
            try {
              apply(setAttribute, state.button, ["aria-expanded", "false"]);
              state.button.focus();
            } catch (ignored) {}
          }
        });
        if (state.openWhenReady) open();
      } catch (error) {
        warn(error);
      }
    };
    on(tag, "error", function () {
      state.loading = false;
    });
    var src = new URL("@PANEL_FILE@", own).href;
    try {
      if (window.trustedTypes && window.trustedTypes.createPolicy) {
        // Pages requiring Trusted Types allow it as `trusted-types switchboard switchboard-assistant`.
        src = window.trustedTypes.createPolicy("switchboard-assistant", { createScriptURL: function (url) { return url; } }).createScriptURL(src);
      }
    } catch (ignored) {}
    tag.src = src;
    apply(appendChild, doc.head || doc.documentElement, [tag]);
  }

  function open() {
    draw();
    if (!state.root) {
      state.openWhenReady = true;
      return;
    }
    if (!state.panel) {
      state.openWhenReady = true;
      loadPanel();
      return;
    }
    state.openWhenReady = false;
    if (state.button) apply(setAttribute, state.button, ["aria-expanded", "true"]);
    state.panel.open();
  }

  function configure(config) {
    var account = config && config.account;
    // Not the site's chat: the chatbot its display rules show outside hours.
    if (config && config.provider !== "switchboard") {
      var hours = config.rules && config.rules.hours;
      account = hours && hours.chatbot && hours.chatbot.provider === "switchboard" ? hours.chatbot.account : null;
      config = { provider: "switchboard", site: config.site, account: account };
    }
    if (!account || config.provider !== "switchboard" || typeof account.chatbot !== "string") return;
    state.bot = account.chatbot;
    state.site = typeof config.site === "string" ? config.site : "";
    if (state.resetPending) forget();
    if (doc.body) draw();
    else on(doc, "DOMContentLoaded", draw);
    if (state.openWhenReady) open();
  }
  // The direct chat page names its bot on this script's tag and opens at once.
  var direct = script.getAttribute("data-bot");
  if (direct) {
    state.full = true;
    configure({ provider: "switchboard", site: "", account: { chatbot: direct } });
    if (doc.body) open();
    else on(doc, "DOMContentLoaded", open);
  } else (async function () {
    try {
      // widget.js's tag (marked with its provider once it loaded one).
      var tag = doc.querySelector("script[data-switchboard-provider]") || doc.querySelector("script[data-switchboard-state]");
      var site = tag && tag.getAttribute("data-site");
      site = typeof site === "string" ? site.trim() : "";
      var query = site ? "site=" + encodeURIComponent(site) : "host=" + encodeURIComponent(location.hostname);
      var response = await apply(fetchFn, window, [new URL("../api/v1/widget/config?" + query, own).href]);
      if (response.ok) configure(await response.json());
    } catch (error) {
      warn(error);
    }
  })();

  // The visitor logged out: their conversation is not the next person's.
  function forget() {
    state.resetPending = false;
    try {
      localStorage.removeItem("switchboard:chat:" + state.bot);
    } catch (ignored) {}
  }

  var calls = {
    identify: function (visitor) {
      state.visitor = visitor && typeof visitor === "object" ? { id: text(visitor.id), name: text(visitor.name), email: text(visitor.email) } : null;
      if (state.panel) state.panel.identify(state.visitor);
    },
    open: open,
    // Display rules hide the chat (a page excluded by a route change, the
    // hours over) and show it again.
    hide: function () {
      state.hidden = true;
      if (state.host) state.host.style.display = "none";
    },
    show: function () {
      state.hidden = false;
      if (state.host) state.host.style.display = "";
    },
    reset: function () {
      state.visitor = null;
      if (state.panel) state.panel.reset();
      else if (state.bot) forget();
      // Before the config named the bot: as soon as it does.
      else state.resetPending = true;
    }
  };
  function call(args) {
    try {
      var name = args[0];
      if (typeof name === "string" && Object.prototype.hasOwnProperty.call(calls, name)) {
        calls[name](args[1]);
      }
    } catch (error) {
      warn(error);
    }
  }
  var queued = [];
  try {
    var stub = window.switchboardChat;
    if (stub && stub.q && typeof stub.q.length === "number") queued = stub.q;
    window.switchboardChat = function () {
      call(arguments);
    };
  } catch (error) {
    warn(error);
  }
  for (var i = 0; i < queued.length; i++) call(queued[i]);
})();

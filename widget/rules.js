// rules.js: the display rules, for sites that have any. widget.js loads it
// only when the config answer carries `rules` (every other site pays
// nothing for them), hands it the answer through this script element's
// `switchboard` property, and waits: nothing of the provider loads until
// this says so by calling `go` with the chat to load.
//
// What it decides is what `switchboard_core::display_rules::evaluate` does
// (the admin app's "test a page" box runs that): the page patterns, then the
// open hours (UTC instants from the server; the next boundary re-checks),
// then consent (`Switchboard.consent(true)` or the site's cookie); the page
// language picks the account. Then how: at once, when the browser is idle,
// or behind a launcher button drawn here, which loads the provider when the
// visitor reaches for it and opens it when it is ready. A visitor whose
// browser asks to save data always gets the launcher. A single-page host
// app's route changes (pushState, replaceState, popstate) re-check: the chat
// hides where its provider can hide, or appears.
//
// Nothing here may throw into the page.
(function () {
  "use strict";
  var script = document.currentScript;
  var link = script && script.switchboard;
  if (!link) return;
  var win = window;
  var doc = document;
  var apply = Reflect.apply;
  var clock = Date.now;
  var setTimer = setTimeout;
  var body = link.b;
  var rules = body.rules;
  var tag = link.t;
  var pages = rules.pages || {};
  var hours = rules.hours;
  var consent = rules.consent;
  var saveData = false;
  try {
    saveData = !!(navigator.connection && navigator.connection.saveData);
  } catch (ignored) {}
  var mode = saveData ? "interaction" : rules.loading || "now";
  // The chat handed to widget.js (null: none yet), whether it is shown,
  // whether a click asked to open it, the launcher's host element.
  var loaded = null;
  var shown = true;
  var openWanted = false;
  var launcher = null;
  var timer = 0;
  var pending = 0;

  function guarded(call) {
    try {
      call();
    } catch (error) {
      link.w(error);
    }
  }
  function attr(name, value) {
    try {
      if (value) tag.setAttribute("data-switchboard-" + name, value);
      else tag.removeAttribute("data-switchboard-" + name);
    } catch (ignored) {}
  }

  // Page patterns: `*` is any run of characters, a trailing `/*` also
  // matches the path without it, a trailing slash never matters.
  function trim(text) {
    return text.length > 1 && text.charAt(text.length - 1) == "/" ? text.slice(0, -1) : text;
  }
  function glob(pattern, text) {
    var p = 0, t = 0, star = -1, mark = 0;
    while (t < text.length) {
      if (p < pattern.length && pattern.charAt(p) == "*") {
        star = p++;
        mark = t;
      } else if (p < pattern.length && pattern.charAt(p) == text.charAt(t)) {
        p++;
        t++;
      } else if (star >= 0) {
        p = star + 1;
        t = ++mark;
      } else return false;
    }
    while (p < pattern.length && pattern.charAt(p) == "*") p++;
    return p == pattern.length;
  }
  function matches(pattern, path) {
    pattern = trim(pattern);
    path = trim(path);
    return glob(pattern, path) || (pattern.slice(-2) == "/*" && glob(trim(pattern.slice(0, -2)) || "/", path));
  }
  function find(list, path) {
    for (var i = 0; list && i < list.length; i++) if (matches(String(list[i]), path)) return list[i];
    return null;
  }

  function cookie(name, value) {
    var all = String(doc.cookie).split(";");
    for (var i = 0; i < all.length; i++) {
      var pair = all[i].split("=");
      if (pair[0].trim() == name && pair.slice(1).join("=").trim() == value) return true;
    }
    return false;
  }

  // The chat for this page's language: the exact tag, else its language.
  function chatFor() {
    var lang = String(doc.documentElement.lang || "").trim().toLowerCase();
    var list = rules.languages || [];
    var found = null;
    for (var i = 0; i < list.length; i++) if (list[i].lang == lang) found = list[i];
    for (i = 0; !found && i < list.length; i++) if (list[i].lang == lang.split("-")[0]) found = list[i];
    var chat = {};
    for (var key in body) if (key != "rules") chat[key] = body[key];
    if (found) {
      chat.provider = found.provider;
      chat.account = found.account || {};
    }
    return chat;
  }

  // Why not (a `data-switchboard-rule` code), or "" when the chat may show.
  // Sets the timer for the next opening or closing.
  function refusal(now) {
    // Escapes compare upper case, as the server stores patterns.
    var path = location.pathname.replace(/%[0-9a-f]{2}/gi, function (escape) { return escape.toUpperCase(); });
    if (find(pages.exclude, path) !== null) return "excluded";
    if (pages.include && pages.include.length && find(pages.include, path) === null) return "not_included";
    if (hours) {
      var next = hours.until * 1000, open = false;
      for (var i = 0; i < hours.open.length; i++) {
        var start = hours.open[i][0] * 1000, end = hours.open[i][1] * 1000;
        if (start <= now && now < end) {
          open = true;
          next = end;
        } else if (start > now && start < next && !open) next = start;
      }
      if (next > now) {
        clearTimeout(timer);
        // Timers are capped near 24.8 days; a late tick only re-checks.
        timer = setTimer(check, Math.min(next - now + 50, 2e9));
      }
      if (!open && hours.outside != "keep") return "closed";
    }
    if (consent && !link.c && !(consent.cookie && cookie(consent.cookie.name, consent.cookie.value))) {
      // A consent cookie is looked for again while waiting for it.
      if (consent.cookie) {
        clearTimeout(pending);
        pending = setTimer(check, 1000);
      }
      return "consent";
    }
    return "";
  }

  function check() {
    guarded(function () {
      var refused = refusal(clock());
      attr("rule", refused);
      // Outside hours with a chatbot: the built-in assistant instead.
      var bot = refused == "closed" && hours.outside == "chatbot" && !!hours.chatbot;
      if (refused) {
        if (loaded) visibility(false);
        else attr("state", "waiting");
        if (launcher) launcher.style.display = "none";
        return assistant(bot);
      }
      assistant(false);
      if (loaded) return visibility(true);
      if (launcher) return (launcher.style.display = "");
      var chat = chatFor();
      if (mode == "interaction") draw(chat);
      else if (mode == "idle") idle(function () { load(chat); });
      else load(chat);
    });
  }

  // The built-in assistant shown outside hours: its launcher script, once,
  // then hidden and shown (it reads which bot from the site's config).
  var assistantLoaded = false;
  function assistant(show) {
    if (!show) {
      if (assistantLoaded) win.switchboardChat("hide");
      return;
    }
    if (assistantLoaded) return win.switchboardChat("show");
    assistantLoaded = true;
    if (!win.switchboardChat) {
      var queue = function () { queue.q.push(arguments); };
      queue.q = [];
      win.switchboardChat = queue;
    }
    var element = doc.createElement("script");
    element.src = link.u("assistant/launcher.js");
    element.async = true;
    (doc.head || doc.documentElement).appendChild(element);
    attr("state", "chatbot");
  }

  function idle(then) {
    var once = function () {
      if (then) then();
      then = null;
    };
    if (win.requestIdleCallback) win.requestIdleCallback(once, { timeout: 4000 });
    else setTimer(once, 1500);
  }

  // The provider's script, once. A refusal that came meanwhile still stands.
  function load(chat) {
    if (loaded || refusal(clock())) return;
    loaded = chat;
    link.g(chat);
    whenReady(chat.provider, function () {
      // The launcher gives way once the provider's own is there; for a
      // provider whose readiness cannot be seen (a queue takes the calls),
      // once the visitor clicked it.
      if (READY[chat.provider] || openWanted) opened();
      if (!shown) visibility(false, true);
    });
  }
  function opened() {
    if (openWanted) win.Switchboard.open();
    if (launcher) {
      launcher.remove();
      launcher = null;
    }
  }

  // What shows the provider is ready for `open`, `hide` and `show` (absent:
  // its queue takes calls at once).
  var READY = {
    chatwoot: "$chatwoot.hasLoaded",
    hubspot: "HubSpotConversations.widget",
    jivochat: "jivo_api",
    tawkto: "Tawk_API.hideWidget",
    tidio: "tidioChatApi",
    zendesk: "zE",
    "zendesk:classic": "zE",
    liveperson: "lpTag.events"
  };
  function global(path) {
    var value = win;
    var parts = path.split(".");
    for (var i = 0; value && i < parts.length; i++) value = value[parts[i]];
    return value;
  }
  function whenReady(provider, then) {
    var path = READY[provider];
    var tries = 0;
    (function poll() {
      guarded(function () {
        if (!path || global(path)) then();
        else if (++tries < 120) setTimer(poll, 250);
      });
    })();
  }

  // How each provider hides and shows again (none: it cannot, and stays).
  var HIDE = {
    chatwoot: function (show) { win.$chatwoot.toggleBubbleVisibility(show ? "show" : "hide"); },
    crisp: function (show) { win.$crisp.push(["do", show ? "chat:show" : "chat:hide"]); },
    hubspot: function (show) { var w = win.HubSpotConversations.widget; show ? w.load() : w.remove(); },
    intercom: function (show) {
      win.Intercom("update", { hide_default_launcher: !show });
      if (!show) win.Intercom("hide");
    },
    livechat: function (show) { win.LiveChatWidget.call(show ? "minimize" : "hide"); },
    smartsupp: function (show) { win.smartsupp(show ? "chat:show" : "chat:hide"); },
    tawkto: function (show) { show ? win.Tawk_API.showWidget() : win.Tawk_API.hideWidget(); },
    tidio: function (show) { win.tidioChatApi.display(show); },
    zendesk: function (show) { win.zE("messenger", show ? "show" : "hide"); },
    "zendesk:classic": function (show) { win.zE("webWidget", show ? "show" : "hide"); },
    switchboard: function (show) { win.switchboardChat(show ? "show" : "hide"); }
  };
  function visibility(show, again) {
    if (show == shown && !again) return;
    shown = show;
    attr("state", show ? "loaded" : "hidden");
    var hide = HIDE[loaded.provider];
    if (!hide) return attr("hide", "unsupported");
    whenReady(loaded.provider, function () {
      if (shown == show) hide(show);
    });
  }

  // The launcher: a round button in the provider's usual corner and colour,
  // in a closed Shadow DOM styled through CSSOM (the page's CSS and its
  // CSP's style-src touch neither).
  var LOOK = {
    chatwoot: "#1f93ff",
    crisp: "#1972f5",
    hubspot: "#ff7a59",
    intercom: "#0057ff",
    jivochat: "#1bb934",
    livechat: "#2000f0",
    liveperson: "#0363ad",
    smartsupp: "#1a73e8",
    tawkto: "#03a84e",
    tidio: "#0066ff",
    zendesk: "#17494d",
    "zendesk:classic": "#1f73b7",
    switchboard: "#2563eb"
  };
  var LEFT = { jivochat: 0 };
  function draw(chat) {
    var host = doc.createElement("div");
    host.setAttribute("data-switchboard-launcher", chat.provider);
    var root = host.attachShadow({ mode: "closed" });
    var button = doc.createElement("button");
    var ja = /^ja\b/i.test(doc.documentElement.lang || "");
    button.setAttribute("type", "button");
    button.setAttribute("aria-label", ja ? "チャットを開く" : "Open chat");
    button.setAttribute("title", ja ? "チャット" : "Chat");
    var svg = doc.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    var path = doc.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
    path.setAttribute("fill", "#fff");
    svg.appendChild(path);
    button.appendChild(svg);
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(
        ":host{all:initial;position:fixed;bottom:20px;" + (chat.provider in LEFT ? "left" : "right") + ":20px;z-index:2147483000}" +
        "button{width:60px;height:60px;border-radius:50%;border:0;padding:16px;cursor:pointer;background:" + (LOOK[chat.provider] || "#2563eb") +
        ";box-shadow:0 4px 12px rgba(0,0,0,.25)}button:focus-visible{outline:3px solid #000;outline-offset:2px}svg{width:28px;height:28px;display:block}"
      );
      root.adoptedStyleSheets = [sheet];
    } catch (ignored) {}
    root.appendChild(button);
    var reach = function (event) {
      guarded(function () {
        if (event.type == "click" || event.type == "touchstart") openWanted = true;
        if (!loaded) load(chat);
        else if (openWanted) whenReady(loaded.provider, opened);
      });
    };
    ["pointerenter", "focus", "touchstart", "click"].forEach(function (name) {
      button.addEventListener(name, reach, { passive: true });
    });
    launcher = host;
    attr("state", "launcher");
    (doc.body || doc.documentElement).appendChild(host);
  }

  // A single-page app's route changes re-check, after the page's own handlers.
  var later = function () {
    setTimer(check, 0);
  };
  ["pushState", "replaceState"].forEach(function (name) {
    guarded(function () {
      var original = history[name];
      if (typeof original != "function") return;
      history[name] = function () {
        try {
          return apply(original, this, arguments);
        } finally {
          later();
        }
      };
    });
  });
  win.addEventListener("popstate", later);
  link.s = check;
  check();
})();

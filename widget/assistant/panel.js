// The built-in assistant's chat panel, fetched by launcher.js only when a
// visitor opens the chat. It talks to the public chat API
// (`/api/v1/chat/{bot}/…`): the bot's profile, a conversation whose token
// stays in this browser (localStorage, per bot) until it expires, answers
// streamed as server-sent events, later replies (a bot program's) read by
// long poll while the panel is open, and votes on answers.
//
// Text from the bot is shown through a safe subset of Markdown built with
// DOM APIs (paragraphs, emphasis, code, lists, https links), never as HTML.
// Keyboard: Tab stays inside the open panel, Escape closes it, Enter sends
// (Shift+Enter is a new line); new messages are announced (aria-live).
// Nothing here may throw into the page: entry points catch, promises are
// awaited inside try, and built-ins are taken before the page can swap them.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || typeof script.switchboardBoot !== "function") return;
  var doc = document;
  var apply = Reflect.apply;
  var create = doc.createElement;
  var createText = doc.createTextNode;
  var setAttribute = Element.prototype.setAttribute;
  var appendChild = Node.prototype.appendChild;
  var addListener = EventTarget.prototype.addEventListener;
  var then = Promise.prototype.then;
  var parse = JSON.parse;
  var stringify = JSON.stringify;
  var Decoder = window.TextDecoder;
  var storage = null;
  try {
    storage = window.localStorage;
  } catch (ignored) {}

  var TEXTS = {
    en: {
      close: "Close chat",
      restart: "New conversation",
      placeholder: "Write a message…",
      send: "Send",
      you: "You",
      up: "Helpful",
      down: "Not helpful",
      thinking: "Writing…",
      failed: "The message could not be sent. Check your connection and try again.",
      unavailable: "The assistant cannot answer right now. Please try again later.",
      limited: "You are sending messages too quickly. Please wait {s} seconds.",
      budget: "The assistant has answered all it can for today. Please try again tomorrow.",
      busy: "The assistant is busy. Please try again in a moment.",
      long: "This message is too long (at most {max} characters).",
      guests: "Please sign in to chat.",
      later: "Your message was sent. The answer will appear here.",
      dialog: "Chat"
    },
    ja: {
      close: "チャットを閉じる",
      restart: "新しい会話",
      placeholder: "メッセージを入力…",
      send: "送信",
      you: "あなた",
      up: "役に立った",
      down: "役に立たなかった",
      thinking: "入力中…",
      failed: "メッセージを送信できませんでした。接続を確認してもう一度お試しください。",
      unavailable: "ただいまアシスタントは回答できません。しばらくしてからお試しください。",
      limited: "メッセージの送信が速すぎます。{s} 秒お待ちください。",
      budget: "本日アシスタントが回答できる上限に達しました。明日もう一度お試しください。",
      busy: "アシスタントが混み合っています。少し待ってからお試しください。",
      long: "メッセージが長すぎます（{max} 文字まで）。",
      guests: "チャットを利用するにはログインしてください。",
      later: "メッセージを送信しました。回答はここに表示されます。",
      dialog: "チャット"
    }
  };

  var PANEL_CSS =
    ".panel{position:fixed;right:20px;bottom:20px;z-index:2147483001;width:370px;max-width:calc(100vw - 40px);height:560px;max-height:calc(100vh - 40px);" +
    "display:flex;flex-direction:column;background:#fff;color:#1b1f24;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);" +
    "font:15px/1.5 system-ui,-apple-system,'Segoe UI','Hiragino Sans','Noto Sans JP',sans-serif;overflow:hidden}" +
    ".panel[hidden]{display:none}" +
    ".panel.full{position:relative;right:auto;bottom:auto;width:100%;max-width:760px;height:100%;max-height:none;margin:0 auto;border-radius:0;box-shadow:0 0 0 1px #dde3ea}" +
    ".cover{display:block;width:100%;height:160px;object-fit:cover}.cover[hidden]{display:none}" +
    "[hidden]{display:none}" +
    "header{display:flex;align-items:center;gap:10px;padding:12px;background:#1f5fbf;color:#fff}" +
    "header img{width:40px;height:40px;border-radius:50%;object-fit:cover;background:#fff}" +
    ".who{flex:1;min-width:0}.who h1,.who h2{margin:0;font-size:16px;font-weight:700}.who p{margin:0;font-size:13px;opacity:.9;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}" +
    "header button{background:transparent;border:1px solid rgba(255,255,255,.6);color:#fff;border-radius:6px;padding:4px 8px;cursor:pointer;font:inherit;font-size:13px}" +
    "button:focus-visible,textarea:focus-visible,a:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}" +
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f5f7fa}" +
    ".msg{max-width:85%;padding:8px 12px;border-radius:12px;word-wrap:break-word;overflow-wrap:anywhere}" +
    ".msg p{margin:0 0 6px}.msg p:last-child{margin-bottom:0}.msg ul,.msg ol{margin:0 0 6px;padding-left:20px}" +
    ".msg code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;background:rgba(0,0,0,.06);padding:0 3px;border-radius:3px}" +
    ".msg pre{margin:0 0 6px;padding:8px;background:#1b1f24;color:#f5f7fa;border-radius:6px;overflow-x:auto}.msg pre code{background:none;padding:0;color:inherit}" +
    ".msg a{color:#1f5fbf}" +
    ".visitor{align-self:flex-end;background:#1f5fbf;color:#fff}.visitor a{color:#fff}" +
    ".assistant{align-self:flex-start;background:#fff;border:1px solid #dde3ea}" +
    ".notice{align-self:center;font-size:13px;color:#6b4e00;background:#fff4d6;border-radius:8px;padding:6px 10px;max-width:95%}" +
    ".votes{display:flex;gap:4px;margin-top:4px}.votes button{border:1px solid #dde3ea;background:#fff;border-radius:6px;cursor:pointer;padding:0 6px;font-size:14px}" +
    ".votes button[aria-pressed=true]{background:#e6efff;border-color:#1f5fbf}" +
    "form{display:flex;gap:8px;padding:10px;border-top:1px solid #dde3ea;background:#fff}" +
    "textarea{flex:1;resize:none;border:1px solid #b8c2cc;border-radius:8px;padding:8px;font:inherit;min-height:40px;max-height:120px}" +
    "form button{background:#1f5fbf;color:#fff;border:0;border-radius:8px;padding:0 14px;font:inherit;cursor:pointer}" +
    "form button:disabled{opacity:.5;cursor:default}" +
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}" +
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;max-width:100vw;height:100%;max-height:100%;border-radius:0}}";

  function el(name, attributes, parent, text) {
    var node = apply(create, doc, [name]);
    if (attributes) {
      for (var key in attributes) {
        if (Object.prototype.hasOwnProperty.call(attributes, key)) apply(setAttribute, node, [key, attributes[key]]);
      }
    }
    if (text !== void 0) node.textContent = text;
    if (parent) apply(appendChild, parent, [node]);
    return node;
  }
  function textNode(text, parent) {
    apply(appendChild, parent, [apply(createText, doc, [text])]);
  }
  function on(target, type, listener) {
    apply(addListener, target, [type, function (event) {
      try {
        var result = listener(event);
        if (result && typeof result === "object") apply(then, result, [void 0, warn]);
      } catch (error) {
        warn(error);
      }
    }]);
  }
  function warn(error) {
    try {
      console.warn("Switchboard assistant:", error);
    } catch (ignored) {}
  }
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  // ---- The safe Markdown subset, built with DOM APIs. ----
  // Inline: `code`, **strong**, *em* / _em_, [text](https://…), bare https URLs.
  // (Bounded spans: an unclosed `[` or `*` costs at most that much rescanning.)
  var INLINE = /(`[^`\n]{1,200}`)|(\*\*[^*\n]{1,200}\*\*)|(\*[^*\n]{1,200}\*|_[^_\n]{1,200}_)|(\[[^\]\n]{1,200}\]\(https:\/\/[^)\s]{1,2000}\))|(https:\/\/[^\s<>()]{1,2000}[^\s<>().,;:!?'"])/;
  // Inside a link (`inside`), links are text: no link in a link.
  function inline(text, parent, inside) {
    var rest = text;
    for (var guard = 0; rest && guard < 1000; guard++) {
      var match = INLINE.exec(rest);
      if (!match) break;
      if (match.index > 0) textNode(rest.slice(0, match.index), parent);
      var token = match[0];
      if (match[1]) el("code", null, parent, token.slice(1, -1));
      else if (match[2]) inline(token.slice(2, -2), el("strong", null, parent), inside);
      else if (match[3]) inline(token.slice(1, -1), el("em", null, parent), inside);
      else if (inside) textNode(token, parent);
      else if (match[4]) {
        var close = token.indexOf("](");
        link(token.slice(close + 2, -1), token.slice(1, close), parent);
      } else link(token, token, parent);
      rest = rest.slice(match.index + token.length);
    }
    if (rest) textNode(rest, parent);
  }
  function link(href, label, parent) {
    var url = null;
    try {
      url = new URL(href);
    } catch (ignored) {}
    if (!url || url.protocol !== "https:") return textNode(label, parent);
    var a = el("a", { href: url.href, target: "_blank", rel: "noopener noreferrer nofollow" }, parent);
    inline(label, a, true);
  }
  function markdown(text, parent) {
    var lines = String(text).replace(/\r\n?/g, "\n").split("\n");
    var paragraph = [];
    var list = null;
    function flush() {
      if (paragraph.length) {
        var p = el("p", null, parent);
        for (var i = 0; i < paragraph.length; i++) {
          if (i) el("br", null, p);
          inline(paragraph[i], p);
        }
        paragraph = [];
      }
    }
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      if (/^```/.test(line)) {
        flush();
        list = null;
        var code = [];
        for (i++; i < lines.length && !/^```/.test(lines[i]); i++) code[code.length] = lines[i];
        var joined = "";
        for (var j = 0; j < code.length; j++) joined += (j ? "\n" : "") + code[j];
        el("code", null, el("pre", null, parent), joined);
        continue;
      }
      var bullet = /^\s*[-*]\s+(.*)$/.exec(line);
      var numbered = bullet ? null : /^\s*\d+[.)]\s+(.*)$/.exec(line);
      if (bullet || numbered) {
        flush();
        var kind = bullet ? "ul" : "ol";
        if (!list || list.tagName.toLowerCase() !== kind) list = el(kind, null, parent);
        inline((bullet || numbered)[1], el("li", null, list));
        continue;
      }
      list = null;
      if (/^\s*$/.test(line)) flush();
      else paragraph[paragraph.length] = line;
    }
    flush();
  }

  // ---- Talking to the chat API. ----
  function createPanel(context) {
    var t = context.japanese ? TEXTS.ja : TEXTS.en;
    var api = context.origin + "/api/v1/chat/" + encodeURIComponent(context.bot);
    var key = "switchboard:chat:" + context.bot;
    var visitor = context.visitor;
    var conversation = null;
    var shown = {};
    var cursor = 0;
    var polling = 0;
    var isOpen = false;
    var busy = false;

    var root = context.root;
    // Styles through CSSOM, beside the launcher's (see launcher.js).
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(PANEL_CSS);
      var sheets = [];
      var current = root.adoptedStyleSheets;
      for (var s = 0; s < current.length; s++) sheets[s] = current[s];
      sheets[sheets.length] = sheet;
      root.adoptedStyleSheets = sheets;
    } catch (ignored) {
      el("style", null, root, PANEL_CSS);
    }
    var full = !!context.full;
    // On a site's page a dialog over the page; on the direct chat page the page itself.
    var panel = full
      ? el("div", { class: "panel full", role: "region", "aria-label": t.dialog, hidden: "" }, root)
      : el("div", { class: "panel", role: "dialog", "aria-modal": "true", "aria-label": t.dialog, hidden: "" }, root);
    var cover = el("img", { class: "cover", alt: "", hidden: "" }, panel);
    var header = el("header", null, panel);
    var photo = el("img", { alt: "", hidden: "" }, header);
    var who = el("div", { class: "who" }, header);
    // The direct chat page's heading is the bot's name.
    var title = el(full ? "h1" : "h2", null, who, t.dialog);
    var about = el("p", null, who);
    var restart = el("button", { type: "button", class: "restart" }, header, t.restart);
    var close = el("button", { type: "button", class: "close", "aria-label": t.close }, header, "×");
    if (full) close.setAttribute("hidden", "");
    var log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions" }, panel);
    var form = el("form", null, panel);
    var label = el("label", { class: "sr", for: "switchboard-message" }, form, t.placeholder);
    var input = el("textarea", { id: "switchboard-message", rows: "2", placeholder: t.placeholder, maxlength: "4000" }, form);
    var send = el("button", { type: "submit" }, form, t.send);
    void label;

    // Whose conversation it is: a signed-in visitor's id, or "" for a guest.
    // Another person on this browser (a logout Switchboard.reset() never
    // saw, a new sign-in) starts their own.
    function owner() {
      return visitor && visitor.id ? String(visitor.id) : "";
    }
    function saved() {
      try {
        var value = storage && parse(storage.getItem(key) || "null");
        if (value && typeof value.token === "string" && Date.parse(value.expires_at) > Date.now() && (value.owner || "") === owner()) return value;
      } catch (ignored) {}
      return null;
    }
    function remember(value) {
      try {
        if (value) storage.setItem(key, stringify(value));
        else storage.removeItem(key);
      } catch (ignored) {}
    }
    async function call(method, path, body, token) {
      var headers = { "content-type": "application/json" };
      if (token) headers.authorization = "Bearer " + token;
      var init = { method: method, headers: headers, credentials: "omit", mode: "cors" };
      if (body !== void 0) init.body = stringify(body);
      return await apply(context.fetch, window, [api + path, init]);
    }
    async function json(response) {
      try {
        return parse(await response.text());
      } catch (ignored) {
        return null;
      }
    }

    function notice(text) {
      el("p", { class: "notice", role: "status" }, log, text);
      scroll();
    }
    function refusal(body) {
      var error = body && body.error ? body.error : {};
      var params = error.params || {};
      var fields = error.fields || [];
      for (var i = 0; i < fields.length; i++) {
        if (fields[i] && fields[i].code === "too_long") return fill(t.long, { max: (fields[i].params || {}).max || 4000 });
      }
      switch (error.code) {
        case "visitor_rate_limited":
          return fill(t.limited, { s: params.retry_after || 10 });
        case "token_budget_exhausted":
          return t.budget;
        case "model_busy":
        case "model_rate_limited":
          return t.busy;
        case "guests_not_allowed":
          return t.guests;
        default:
          return t.unavailable;
      }
    }
    function scroll() {
      try {
        log.scrollTop = log.scrollHeight;
      } catch (ignored) {}
    }

    function bubble(author, id) {
      var node = el("div", { class: "msg " + author }, log);
      var heading = el("span", { class: "sr" }, node, author === "visitor" ? t.you + ": " : title.textContent + ": ");
      void heading;
      var body = el("div", { class: "body" }, node);
      if (id) shown[id] = node;
      return { node: node, body: body };
    }
    function votes(node, id, current) {
      var box = el("div", { class: "votes" }, node);
      var buttons = [["up", "👍", t.up], ["down", "👎", t.down]];
      var made = [];
      for (var i = 0; i < buttons.length; i++) {
        (function (entry) {
          var button = el("button", { type: "button", "aria-label": entry[2], "aria-pressed": String(current === entry[0]), "data-vote": entry[0] }, box, entry[1]);
          made[made.length] = button;
          on(button, "click", async function () {
            var pressed = button.getAttribute("aria-pressed") === "true";
            var vote = pressed ? null : entry[0];
            try {
              var response = await call("PUT", "/conversations/" + conversation.conversation + "/messages/" + id + "/vote", { vote: vote }, conversation.token);
              if (response.status !== 204) return;
              for (var j = 0; j < made.length; j++) made[j].setAttribute("aria-pressed", String(made[j].getAttribute("data-vote") === vote));
            } catch (error) {
              warn(error);
            }
          });
        })(buttons[i]);
      }
    }
    function show(message) {
      if (!message || shown[message.id]) return;
      var number = +message.id;
      if (number > cursor) cursor = number;
      var b = bubble(message.author === "visitor" ? "visitor" : "assistant", message.id);
      if (message.author === "visitor") b.body.textContent = message.text;
      else {
        markdown(message.text, b.body);
        votes(b.node, message.id, message.vote);
      }
      scroll();
    }

    async function profile() {
      try {
        var response = await call("GET", "");
        if (!response.ok) return;
        var bot = await json(response);
        if (!bot) return;
        title.textContent = bot.name;
        panel.setAttribute("aria-label", bot.name);
        about.textContent = bot.description || "";
        if (bot.photo) {
          photo.src = new URL(bot.photo, context.origin).href;
          photo.removeAttribute("hidden");
        }
        if (full && bot.cover) {
          cover.src = new URL(bot.cover, context.origin).href;
          cover.removeAttribute("hidden");
        }
        if (full) doc.title = bot.name;
      } catch (error) {
        warn(error);
      }
    }
    async function start() {
      var body = {};
      if (context.site) body.site = context.site;
      if (visitor) body.visitor = visitor;
      var response = await call("POST", "/conversations", body);
      var answer = await json(response);
      if (response.status !== 201 || !answer) {
        notice(refusal(answer));
        return null;
      }
      conversation = answer;
      answer.owner = owner();
      remember(answer);
      return answer;
    }
    async function history() {
      if (!conversation) return;
      var response = await call("GET", "/conversations/" + conversation.conversation + "/messages", void 0, conversation.token);
      if (response.status === 401) {
        conversation = null;
        remember(null);
        return;
      }
      var page = await json(response);
      var messages = (page && page.messages) || [];
      for (var i = 0; i < messages.length; i++) show(messages[i]);
    }
    // While open: one loop waits for what comes later (a bot program's
    // reply). An empty answer that came at once (the server had no waiting
    // slot) waits a while before the next read, so a full server is not
    // asked again and again.
    var pollRunning = false;
    async function poll() {
      if (pollRunning) return;
      pollRunning = true;
      var mine = ++polling;
      try {
        while (isOpen && conversation && mine === polling) {
          var began = Date.now();
          var quiet = true;
          try {
            var response = await call("GET", "/conversations/" + conversation.conversation + "/messages?after=" + cursor + "&wait=25", void 0, conversation.token);
            if (mine !== polling) break;
            if (response.status === 401) {
              conversation = null;
              remember(null);
              break;
            }
            if (response.ok) {
              var page = await json(response);
              var messages = (page && page.messages) || [];
              for (var i = 0; i < messages.length; i++) show(messages[i]);
              quiet = messages.length === 0;
            }
          } catch (ignored) {}
          if (quiet && Date.now() - began < 2000) await pause(5000);
        }
      } catch (error) {
        warn(error);
      } finally {
        pollRunning = false;
        // Superseded (a new conversation) while its read was out: go on for the new one.
        if (mine !== polling && isOpen && conversation) poll();
      }
    }
    function pause(ms) {
      return new Promise(function (resolve) {
        setTimeout(resolve, ms);
      });
    }

    // A streamed answer: `conversation`, `delta`…, then `done` or `error`.
    async function stream(response, pending) {
      var reader = response.body.getReader();
      var decoder = new Decoder();
      var buffer = "";
      var text = "";
      var answer = null;
      var drawn = 0;
      for (;;) {
        var chunk = await reader.read();
        if (chunk.done) break;
        buffer += decoder.decode(chunk.value, { stream: true });
        var end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          var block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          var name = "message";
          var data = "";
          var lines = block.split("\n");
          for (var i = 0; i < lines.length; i++) {
            if (lines[i].indexOf("event:") === 0) name = lines[i].slice(6).trim();
            else if (lines[i].indexOf("data:") === 0) data += lines[i].slice(5).trim();
          }
          var value = null;
          try {
            value = parse(data);
          } catch (ignored) {}
          if (!value) continue;
          if (name === "conversation") {
            pending.node.removeAttribute("data-pending");
            shown[value.message] = pending.node;
            if (+value.message > cursor) cursor = +value.message;
          } else if (name === "delta") {
            if (!answer) {
              answer = bubble("assistant");
              answer.node.setAttribute("aria-busy", "true");
            }
            text += value.text;
            // Drawn at most every 100 ms while it streams: a long answer is
            // not parsed again for every small piece.
            if (Date.now() - drawn > 100) {
              drawn = Date.now();
              answer.body.textContent = "";
              markdown(text, answer.body);
              scroll();
            }
          } else if (name === "done") {
            if (answer) {
              answer.body.textContent = "";
              markdown(text, answer.body);
              scroll();
              answer.node.removeAttribute("aria-busy");
              if (value.message) {
                shown[value.message] = answer.node;
                if (+value.message > cursor) cursor = +value.message;
                votes(answer.node, value.message, null);
              }
            } else if (!value.message) notice(t.later);
          } else if (name === "error") {
            if (answer) {
              answer.node.removeAttribute("aria-busy");
              answer.body.textContent = "";
              markdown(text, answer.body);
            }
            notice(refusal({ error: value }));
          }
        }
      }
    }

    async function say(text) {
      if (busy) return;
      busy = true;
      send.disabled = true;
      var pending = bubble("visitor");
      pending.body.textContent = text;
      pending.node.setAttribute("data-pending", "");
      scroll();
      try {
        if (!conversation && !(await start())) return;
        var body = { message: text };
        if (visitor) body.visitor = visitor;
        var response = await call("POST", "/conversations/" + conversation.conversation + "/messages", body, conversation.token);
        if (response.status === 401) {
          // The token ended (expired, or the server forgot it): a new conversation.
          conversation = null;
          remember(null);
          if (!(await start())) return;
          response = await call("POST", "/conversations/" + conversation.conversation + "/messages", body, conversation.token);
        }
        var type = response.headers.get("content-type") || "";
        if (response.ok && type.indexOf("text/event-stream") === 0) {
          await stream(response, pending);
          poll();
        } else {
          notice(refusal(await json(response)));
        }
      } catch (error) {
        warn(error);
        notice(t.failed);
      } finally {
        busy = false;
        send.disabled = false;
      }
    }

    on(form, "submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      // While an answer is coming the text stays in the box (sent after).
      if (!text || busy) return;
      input.value = "";
      return say(text);
    });
    on(input, "keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        if (typeof form.requestSubmit === "function") form.requestSubmit();
      }
    });
    on(close, "click", function () {
      hide();
    });
    on(restart, "click", function () {
      reset();
      input.focus();
    });
    // The focus stays in the dialog; Escape closes it.
    on(panel, "keydown", function (event) {
      if (full) return;
      if (event.key === "Escape") {
        event.preventDefault();
        hide();
      } else if (event.key === "Tab") {
        var items = panel.querySelectorAll("button:not([disabled]),textarea,a[href]");
        if (!items.length) return;
        var first = items[0];
        var last = items[items.length - 1];
        var active = root.activeElement;
        if (event.shiftKey && active === first) {
          event.preventDefault();
          last.focus();
        } else if (!event.shiftKey && active === last) {
          event.preventDefault();
          first.focus();
        }
      }
    });

    function hide() {
      isOpen = false;
      polling++;
      panel.setAttribute("hidden", "");
      context.closed();
    }
    function reset() {
      conversation = null;
      remember(null);
      shown = {};
      cursor = 0;
      polling++;
      log.textContent = "";
    }

    var first = true;
    return {
      open: function () {
        isOpen = true;
        panel.removeAttribute("hidden");
        input.focus();
        if (first) {
          first = false;
          profile();
          conversation = saved();
          (async function () {
            try {
              await history();
              poll();
            } catch (error) {
              warn(error);
            }
          })();
        } else poll();
      },
      identify: function (next) {
        visitor = next;
        if (!conversation) return;
        // Someone else signed in: their own conversation. A guest who signs
        // in keeps theirs, now as theirs.
        if (conversation.owner && conversation.owner !== owner()) reset();
        else {
          conversation.owner = owner();
          remember(conversation);
        }
      },
      reset: reset
    };
  }

  try {
    script.switchboardBoot(createPanel);
  } catch (error) {
    warn(error);
  }
})();

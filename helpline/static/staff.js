/* The queue page, live: polls /api/callbacks, swaps in /staff/board when the queue changed, keeps countdowns
   ticking, and raises the alarm (banner, title, sound) when a crisis request arrives. No dependencies. */
(function () {
  "use strict";
  var body = document.body;
  var api = body.dataset.api, boardUrl = body.dataset.board, loginUrl = body.dataset.login;
  if (!api) return;
  var pollMs = Math.max(1, Number(body.dataset.poll) || 5) * 1000;
  var statusEl = document.getElementById("status");
  var alarm = document.getElementById("alarm");
  var alarmText = document.getElementById("alarm-text");
  var soundButton = document.getElementById("sound");
  var baseTitle = document.title;
  var live = document.getElementById("live");
  var offset = live ? Number(live.dataset.now) * 1000 - Date.now() : 0;  // server clock minus ours
  var known = {};  // request id -> priority, as last seen
  var signature = live ? live.dataset.signature : null;
  var mineSignature = live ? live.dataset.mine : null;
  var alarms = 0, beeps = 0;

  function remember() {
    document.querySelectorAll("#live [data-id]").forEach(function (el) { known[el.dataset.id] = el.dataset.priority; });
  }
  remember();

  // -- time ---------------------------------------------------------------------------------------------------
  function span(seconds) {
    seconds = Math.abs(Math.floor(seconds));
    if (seconds < 3600) {
      var m = Math.floor(seconds / 60), s = seconds % 60;
      return m + ":" + (s < 10 ? "0" : "") + s;
    }
    var minutes = Math.floor(seconds / 60);
    if (minutes < 48 * 60) return Math.floor(minutes / 60) + " h " + String(minutes % 60).padStart(2, "0") + " min";
    return Math.floor(minutes / 1440) + " days";
  }
  function waited(seconds) {
    var minutes = Math.floor(seconds / 60);
    if (minutes < 1) return "just now";
    if (minutes < 60) return minutes + " min";
    return span(seconds);
  }
  function tick() {
    var now = (Date.now() + offset) / 1000;
    document.querySelectorAll(".due[data-due]").forEach(function (el) {
      var left = Number(el.dataset.due) - now;
      var mine = el.dataset.mine === "1";
      var overdue = left < 0 && el.dataset.status === "open";
      el.classList.toggle("overdue", overdue);
      var card = el.closest(".card");
      if (card) card.classList.toggle("is-overdue", overdue);
      if (left >= 0) el.textContent = "due in " + span(left);
      else el.textContent = (mine ? "was due " + span(-left) + " ago" : "OVERDUE by " + span(-left));
    });
    document.querySelectorAll(".age[data-created]").forEach(function (el) {
      el.textContent = waited(now - Number(el.dataset.created));
    });
  }
  tick();
  setInterval(tick, 1000);

  // -- sound: Web Audio, unlocked by the first tap or key press (browsers allow no sound before that) ----------
  var audio = null;
  var soundOn = localStorage.getItem("helpline-sound") !== "off";
  function unlockAudio() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    if (!audio) audio = new Ctx();
    if (audio.state === "suspended") audio.resume();
  }
  document.addEventListener("pointerdown", unlockAudio);
  document.addEventListener("keydown", unlockAudio);
  function showSound() {
    if (!soundButton) return;
    soundButton.hidden = false;
    soundButton.setAttribute("aria-pressed", soundOn ? "true" : "false");
    soundButton.textContent = soundOn ? "Sound on" : "Sound off";
  }
  if (soundButton) {
    showSound();
    soundButton.addEventListener("click", function () {
      soundOn = !soundOn;
      localStorage.setItem("helpline-sound", soundOn ? "on" : "off");
      showSound();
      if (soundOn) beep();
    });
  }
  function beep() {
    if (!soundOn) return;
    unlockAudio();
    if (!audio) return;
    var t = audio.currentTime + 0.05;
    [0, 0.3, 0.6].forEach(function (delay, i) {
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = i === 1 ? 660 : 880;
      gain.gain.setValueAtTime(0.0001, t + delay);
      gain.gain.exponentialRampToValueAtTime(0.4, t + delay + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + delay + 0.25);
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start(t + delay);
      osc.stop(t + delay + 0.27);
    });
    beeps += 1;
    body.dataset.beeps = String(beeps);
  }

  // -- the alarm ----------------------------------------------------------------------------------------------
  function raiseAlarm(rows) {
    alarms += 1;
    body.dataset.alarms = String(alarms);
    var first = rows[0];
    alarmText.textContent = rows.length > 1 ? rows.length + " new crisis requests: claim one now."
      : first.reason + ", by " + (first.channel === "voice" ? "phone call" : "text") + ": claim it now.";
    document.getElementById("alarm-go").setAttribute("href", "#" + first.id);
    alarm.hidden = false;
    document.title = "⚠ CRISIS · " + baseTitle;
    beep();
  }
  function clearAlarm() {
    alarm.hidden = true;
    document.title = baseTitle;
  }
  document.getElementById("alarm-close").addEventListener("click", clearAlarm);
  document.getElementById("alarm-go").addEventListener("click", function (event) {
    var target = document.getElementById(this.getAttribute("href").slice(1));
    clearAlarm();
    if (target) {
      event.preventDefault();
      target.scrollIntoView({ block: "start" });
      var button = target.querySelector("button") || target.querySelector("a");
      if (button) button.focus();
    }
  });

  // -- polling ------------------------------------------------------------------------------------------------
  function say(text, problem) {
    statusEl.textContent = text;
    statusEl.classList.toggle("problem", !!problem);
  }
  function dirty(section) {
    // Don't replace a card while someone is typing a note in it.
    return Array.prototype.some.call(section.querySelectorAll("textarea"), function (t) { return t.value.trim(); }) ||
      section.contains(document.activeElement);
  }
  function swap(html, mineChanged) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.getElementById("live");
    if (!fresh) return;
    var focusedId = document.activeElement && document.activeElement.closest("[data-id]") &&
      document.activeElement.closest("[data-id]").dataset.id;
    var waiting = document.getElementById("waiting");
    waiting.replaceWith(document.adoptNode(doc.getElementById("waiting")));
    var mine = document.getElementById("mine");
    if (mineChanged) {
      if (dirty(mine)) say("Your calls changed: reload the page when you have finished your note.", true);
      else mine.replaceWith(document.adoptNode(doc.getElementById("mine")));
    }
    live.dataset.now = fresh.dataset.now;
    if (focusedId) {
      var again = document.querySelector('[data-id="' + focusedId + '"] button');
      if (again) again.focus();
    }
    tick();
  }
  function poll() {
    fetch(api, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 401) {
          say("Your login has ended. ", true);
          var link = document.createElement("a");
          link.href = loginUrl + "?next=" + encodeURIComponent(location.pathname);
          link.textContent = "Log in again";
          statusEl.appendChild(link);
          return null;
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (!data) return;
        offset = data.now * 1000 - Date.now();
        var fresh = data.requests.filter(function (r) {
          return r.priority === "crisis" && r.status === "open" && known[r.id] !== "crisis";
        });
        var changed = data.signature !== signature;
        var mineChanged = data.mine !== mineSignature;
        signature = data.signature;
        mineSignature = data.mine;
        var waitingCount = data.requests.filter(function (r) { return r.status === "open"; }).length;
        say(waitingCount + " waiting · updated " + new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" }));
        if (!changed && !fresh.length) return;
        return fetch(boardUrl, { credentials: "same-origin", cache: "no-store" })
          .then(function (response) { return response.ok ? response.text() : null; })
          .then(function (html) {
            if (html) swap(html, mineChanged);
            fresh.forEach(function (r) {
              var card = document.getElementById(r.id);
              if (card) card.classList.add("is-new");
            });
            data.requests.forEach(function (r) { known[r.id] = r.priority; });
            if (fresh.length) raiseAlarm(fresh);
          });
      })
      .catch(function () { say("Cannot reach the helpline server: retrying…", true); })
      .then(function () { setTimeout(poll, pollMs); });
  }
  setTimeout(poll, pollMs);
})();

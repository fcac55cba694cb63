// The lesson page's own script: it makes the asciinema player follow the
// lesson. It reads the lesson from the JSON block the page carries, and
// makes no request: everything is in this one file.
//
// - The narration panel follows the player: the step shown, its question
//   while the class predicts, then its narration.
// - Playback pauses at the marker of a step with a question, and only
//   there; "Reveal" plays on from the step's outcome.
// - A click on a step seeks to it; Space plays and pauses; ← and → step.
// - The Diagram tab shows the space-time diagram of the point shown.
(function () {
  "use strict";

  var lesson = JSON.parse(document.getElementById("lesson-data").textContent);
  var steps = lesson.steps;
  var frames = lesson.frames;
  var $ = function (id) { return document.getElementById(id); };

  var player = AsciinemaPlayer.create({ data: lesson.cast }, $("player"), {
    preload: true,
    poster: "npt:0.1",
    fit: "width",
    controls: true,
    idleTimeLimit: 3600
  });

  var playing = false;
  var shown = null;      // the frame whose narration is on the panel
  var pausedFor = -1;    // the step whose question playback paused for
  var timer = null;

  // frameAt is the index of the frame on screen at time t (seconds).
  function frameAt(t) {
    var lo = 0, hi = frames.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (frames[mid].at <= t + 0.0005) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  function now() {
    var t = player.getCurrentTime();
    return typeof t === "number" && isFinite(t) ? t : 0;
  }

  // update brings the panel and the diagram to the frame on screen, and
  // pauses playback on arriving at a step's question.
  function update() {
    var f = frames[frameAt(now())];
    if (f.asking && pausedFor !== f.step && playing) {
      pausedFor = f.step;
      player.pause();
    }
    if (!f.asking) pausedFor = -1;
    if (shown && shown.step === f.step && shown.asking === f.asking && shown.diagram === f.diagram) return;
    shown = f;
    render(f);
  }

  function render(f) {
    var st = f.step > 0 ? steps[f.step - 1] : null;
    $("where").textContent = st ? "Step " + f.step + " of " + steps.length : "Introduction";
    var q = $("question");
    if (st && f.asking && st.ask) {
      $("q-text").textContent = st.ask.text;
      var list = $("q-choices");
      list.textContent = "";
      (st.ask.choices || []).forEach(function (c) {
        var li = document.createElement("li");
        li.textContent = c;
        list.appendChild(li);
      });
      list.hidden = !(st.ask.choices && st.ask.choices.length);
      q.hidden = false;
      $("text").textContent = "Predict, then reveal the outcome.";
    } else {
      q.hidden = true;
      $("text").textContent = st ? st.text : lesson.intro;
    }
    var acts = st && st.actions && st.actions.length ? st.actions : [];
    var list2 = $("actions-list");
    list2.textContent = "";
    acts.forEach(function (a, i) {
      if (i > 0) list2.appendChild(document.createTextNode("; "));
      var c = document.createElement("code");
      c.textContent = a;
      list2.appendChild(c);
    });
    $("actions").hidden = acts.length === 0;
    var items = document.querySelectorAll("#steps button");
    for (var i = 0; i < items.length; i++) {
      var k = i + 1;
      if (k === f.step) items[i].setAttribute("aria-current", "step");
      else items[i].removeAttribute("aria-current");
      items[i].classList.toggle("done", k < f.step || (k === f.step && !f.asking));
    }
    var figs = document.querySelectorAll("figure.diagram");
    for (var j = 0; j < figs.length; j++) figs[j].hidden = j !== f.diagram;
  }

  function tick() {
    if (timer === null) timer = setInterval(update, 200);
  }
  function untick() {
    if (timer !== null) { clearInterval(timer); timer = null; }
  }

  player.addEventListener("play", function () { playing = true; tick(); update(); });
  player.addEventListener("playing", function () { playing = true; tick(); update(); });
  player.addEventListener("pause", function () { playing = false; untick(); update(); });
  player.addEventListener("ended", function () { playing = false; untick(); update(); });
  player.addEventListener("seeked", update);
  player.addEventListener("marker", function (e) {
    var st = steps[e.index];
    if (st && st.ask && playing) {
      pausedFor = e.index + 1;
      player.pause();
    }
    update();
  });

  // current is the step on screen (0 before the first).
  function current() { return frames[frameAt(now())]; }

  // go shows step k (0: the opening screen). A step with a question is
  // shown paused, with its question.
  function go(k) {
    k = Math.max(0, Math.min(steps.length, k));
    $("player").classList.add("moved");
    var done;
    if (k === 0) {
      done = player.seek(0);
    } else if (steps[k - 1].ask) {
      pausedFor = k;
      done = Promise.resolve(player.pause()).then(function () { return player.seek({ marker: k - 1 }); });
    } else {
      done = player.seek({ marker: k - 1 });
    }
    Promise.resolve(done).then(update, update);
  }

  function reveal() {
    var f = current();
    var st = steps[f.step - 1];
    if (!st) return;
    pausedFor = f.step;
    $("player").classList.add("moved");
    Promise.resolve(player.seek(st.reveal)).then(function () { return player.play(); }).then(update, update);
  }

  function next() {
    var f = current();
    if (f.asking) reveal(); else go(f.step + 1);
  }
  function prev() {
    var f = current();
    go(f.step - 1);
  }
  function toggle() {
    if (playing) player.pause(); else player.play();
  }

  $("reveal").addEventListener("click", reveal);
  var items = document.querySelectorAll("#steps button");
  for (var i = 0; i < items.length; i++) {
    items[i].addEventListener("click", (function (k) { return function () { go(k); }; })(i + 1));
  }

  // Tabs: the terminal and the diagram.
  function showView(v) {
    ["player", "diagram"].forEach(function (name) {
      var on = name === v;
      $("tab-" + name).setAttribute("aria-selected", on ? "true" : "false");
      $("tab-" + name).tabIndex = on ? 0 : -1;
      $("panel-" + name).hidden = !on;
    });
  }
  $("tab-player").addEventListener("click", function () { showView("player"); });
  $("tab-diagram").addEventListener("click", function () { showView("diagram"); });

  // Keys, before the player sees them: Space plays and pauses, ← and →
  // step (the player's own ← and → would jump five seconds, and its own
  // Space would toggle a second time).
  window.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var t = e.target;
    var tag = t && t.tagName ? t.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "textarea" || tag === "select" || (t && t.isContentEditable)) return;
    if (e.key === " " || e.key === "Spacebar") {
      // Space plays and pauses wherever the focus is (after a click on a
      // step, too), except on Reveal and links; Enter presses a button.
      if (t === $("reveal") || tag === "a") return;
      toggle();
    } else if (e.key === "ArrowRight") {
      next();
    } else if (e.key === "ArrowLeft") {
      prev();
    } else {
      return;
    }
    e.preventDefault();
    e.stopPropagation();
  }, true);

  // state is where the lesson stands, for tests and teachers' own scripts.
  function state() {
    var f = current();
    return { time: now(), step: f.step, asking: f.asking, diagram: f.diagram, playing: playing };
  }

  window.crdtvizLesson = { player: player, go: go, reveal: reveal, next: next, prev: prev, view: showView, state: state };

  render(frames[0]);
})();

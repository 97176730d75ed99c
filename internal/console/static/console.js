// Numan console: the little the pages need beyond HTML. No inline code
// anywhere (the Content-Security-Policy forbids it): behaviour hangs on
// data- attributes.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function on(sel, ev, fn) {
    document.addEventListener(ev, function (e) {
      var el = e.target.closest(sel);
      if (el) fn(e, el);
    });
  }

  // The menu button on narrow screens.
  on("[data-toggle]", "click", function (e, el) {
    var nav = document.getElementById(el.dataset.toggle);
    var open = nav.classList.toggle("open");
    el.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // Dialogs.
  on("[data-open]", "click", function (e, el) {
    var d = document.getElementById(el.dataset.open);
    if (d) d.showModal();
  });
  on("[data-close]", "click", function (e, el) {
    var d = el.closest("dialog");
    if (d) d.close();
  });
  document.querySelectorAll("dialog[data-open-now]").forEach(function (d) { d.showModal(); });

  on("[data-back]", "click", function (e) {
    if (history.length > 1) { e.preventDefault(); history.back(); }
  });

  // A confirmation before a form does something that cannot be undone.
  var confirmDialog;
  function ask(message, yes) {
    if (!confirmDialog) {
      confirmDialog = document.createElement("dialog");
      confirmDialog.className = "confirm";
      confirmDialog.innerHTML = '<form method="dialog" class="stack"><p></p><div class="buttons">' +
        '<button value="yes" class="primary danger" data-test="confirm-yes">Yes</button>' +
        '<button value="no">Cancel</button></div></form>';
      document.body.appendChild(confirmDialog);
    }
    confirmDialog.querySelector("p").textContent = message;
    confirmDialog.onclose = function () {
      if (confirmDialog.returnValue === "yes") yes();
    };
    confirmDialog.returnValue = "";
    confirmDialog.showModal();
  }
  on("button[data-confirm]", "click", function (e, el) {
    if (el.dataset.confirmed) { delete el.dataset.confirmed; return; }
    e.preventDefault();
    ask(el.dataset.confirm, function () {
      el.dataset.confirmed = "1";
      el.form.requestSubmit(el);
    });
  });

  // Check boxes: "all" and the count of selected rows.
  function count(form) {
    var n = form.querySelectorAll('input[name="n"]:checked').length;
    form.querySelectorAll("[data-selected-count]").forEach(function (s) {
      s.textContent = n + " selected";
    });
  }
  on("[data-check-all]", "change", function (e, el) {
    el.form.querySelectorAll('input[name="' + el.dataset.checkAll + '"]').forEach(function (c) { c.checked = el.checked; });
    count(el.form);
  });
  on('input[name="n"]', "change", function (e, el) { if (el.form) count(el.form); });

  // An E911 address the provider suggests fills the form.
  on("[data-fill-e911]", "click", function (e, el) {
    var f = el.closest("form");
    var set = function (name, v) { if (f.elements[name]) f.elements[name].value = v || ""; };
    set("street_address", el.dataset.street);
    set("extended_address", el.dataset.extended);
    set("locality", el.dataset.locality);
    set("region", el.dataset.region);
    set("postal_code", el.dataset.postal);
  });

  // CSV import: read the file here, send it in chunks, show the progress.
  var importForm = document.getElementById("import-form");
  if (importForm) importForm.addEventListener("submit", function (e) {
    e.preventDefault();
    var file = importForm.elements.file.files[0];
    if (!file) return;
    var reader = new FileReader();
    reader.onload = function () { runImport(importForm, String(reader.result)); };
    reader.readAsText(file);
  });

  function splitCSV(line) {
    var out = [], cur = "", quoted = false;
    for (var i = 0; i < line.length; i++) {
      var ch = line[i];
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
        else if (ch === '"') quoted = false;
        else cur += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ",") { out.push(cur.trim()); cur = ""; }
      else cur += ch;
    }
    out.push(cur.trim());
    return out;
  }

  function looksLikeNumber(s) { return /^[+\d][\d\s().-]*$/.test(s) && /\d{4}/.test(s.replace(/\D/g, "")); }

  // parseCSV returns the rows to import: {number, state}, without repeats.
  function parseCSV(text, defState) {
    var lines = text.split(/\r?\n/), numCol = 0, stateCol = -1, rows = [], seen = {}, repeats = [], first = true;
    for (var i = 0; i < lines.length; i++) {
      if (!lines[i].trim()) continue;
      var rec = splitCSV(lines[i]);
      var header = first && !looksLikeNumber(rec[0]);
      first = false;
      if (header) {
        numCol = -1;
        rec.forEach(function (h, j) {
          h = h.toLowerCase();
          if (["number", "e164", "phone_number", "did"].indexOf(h) >= 0) numCol = j;
          if (h === "state" || h === "create_with_state") stateCol = j;
        });
        if (numCol < 0) throw new Error("The header names no number column (number, e164, phone_number or did).");
        continue;
      }
      var num = (rec[numCol] || "").trim();
      if (!num) continue;
      if (seen[num]) { repeats.push(num); continue; }
      seen[num] = true;
      rows.push({ number: num, state: (stateCol >= 0 && rec[stateCol]) || defState });
    }
    return { rows: rows, repeats: repeats };
  }

  function runImport(form, text) {
    var box = document.getElementById("import-progress");
    var bar = box.querySelector("progress"), status = box.querySelector(".status"), fails = box.querySelector(".failures");
    var button = form.querySelector('button[type="submit"]');
    box.hidden = false;
    fails.textContent = "";
    box.querySelector(".done-links").hidden = true;
    var parsed;
    try {
      parsed = parseCSV(text, form.elements.state.value);
    } catch (err) {
      status.textContent = err.message;
      return;
    }
    var rows = parsed.rows, total = rows.length + parsed.repeats.length, done = 0, created = 0, failed = 0, shown = 0;
    function fail(num, why) {
      failed++;
      if (shown++ < 100) {
        var li = document.createElement("li");
        li.textContent = num + ": " + why;
        fails.appendChild(li);
      }
    }
    parsed.repeats.forEach(function (n) { done++; fail(n, "duplicate line in the file"); });
    if (total === 0) { status.textContent = "The file has no numbers."; return; }
    bar.max = total;
    button.disabled = true;
    // Chunks of 100 numbers of one state each, sent one after the other.
    var chunks = [], byState = {};
    rows.forEach(function (r) { (byState[r.state] = byState[r.state] || []).push(r.number); });
    Object.keys(byState).forEach(function (st) {
      for (var i = 0; i < byState[st].length; i += 100) chunks.push({ state: st, numbers: byState[st].slice(i, i + 100) });
    });
    function show() {
      bar.value = done;
      status.textContent = done + " of " + total + " numbers: " + created + " created, " + failed + " failed.";
    }
    function finish(message) {
      button.disabled = false;
      show();
      if (message) status.textContent += " " + message;
      else status.textContent = "Done. " + status.textContent;
      box.querySelector(".done-links").hidden = false;
      box.dataset.done = "1";
    }
    function next(i) {
      show();
      if (i >= chunks.length) { finish(); return; }
      var c = chunks[i];
      fetch(form.dataset.import, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({
          numbers: c.numbers, state: c.state,
          carrier: form.elements.carrier ? form.elements.carrier.value : "",
          accept_charges: form.elements.accept_charges.checked
        })
      }).then(function (r) {
        return r.json().catch(function () { return { error: "The server answered " + r.status + "; reload the page (your session may have ended)." }; });
      }).then(function (res) {
        if (res.error && !res.created && Object.keys(res.failed || {}).length === 0) {
          finish(res.error);
          return;
        }
        created += res.created || 0;
        Object.keys(res.failed || {}).forEach(function (n) { fail(n, res.failed[n]); });
        done += c.numbers.length;
        next(i + 1);
      }, function () {
        finish("The connection failed; the numbers not counted above were not sent.");
      });
    }
    next(0);
  }
})();

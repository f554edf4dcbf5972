// 保証申込 (Net Desk): tabs, the live ratio, and a send button that can be pressed once.
// Everything works without this file: all sections are shown, the ratio is computed by the server on
// the confirm page (common.formats.percent, which this file mirrors with integers only).
(function () {
  "use strict";

  // -- the live ratio ------------------------------------------------------------------------------

  // "２０，０００，０００円" -> 20000000n; null when it is not a whole positive amount yet.
  function parseYen(text) {
    if (!text) return null;
    var half = text.replace(/[０-９]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xfee0);
    });
    var digits = half.replace(/[,，\s\u3000]/g, "").replace(/円$/, "");
    if (!/^[0-9]+$/.test(digits)) return null;
    var value = BigInt(digits);
    return value > 0n ? value : null;
  }

  // amount / base in percent, one decimal, rounded half up: the server's formula, in BigInt.
  function ratio(amount, base) {
    if (amount === null || base === null || base <= 0n) return "0.0%";
    var tenths = (2n * amount * 1000n + base) / (2n * base);
    return (tenths / 10n).toString() + "." + (tenths % 10n).toString() + "%";
  }

  function value(id) {
    var input = document.getElementById(id);
    return input ? parseYen(input.value) : null;
  }

  function updateRatios() {
    var contract = value("id_contract_amount");
    var thisYear = value("id_advance_this_year_amount");
    var advance = document.getElementById("advance_ratio");
    var performance = document.getElementById("performance_ratio");
    if (advance) {
      var text = ratio(value("id_advance_guarantee_amount"), thisYear !== null ? thisYear : contract);
      if (advance.textContent !== text) advance.textContent = text;
    }
    if (performance) {
      var text2 = ratio(value("id_performance_guarantee_amount"), contract);
      if (performance.textContent !== text2) performance.textContent = text2;
    }
  }

  function setUpRatios() {
    var ids = [
      "id_contract_amount",
      "id_advance_this_year_amount",
      "id_advance_guarantee_amount",
      "id_performance_guarantee_amount",
    ];
    ids.forEach(function (id) {
      var input = document.getElementById(id);
      if (input) input.addEventListener("input", updateRatios);
    });
    if (document.getElementById("advance_ratio")) updateRatios();
  }

  // -- tabs (progressive: without JS every section is shown and the tab links are anchors) ----------

  function setUpTabs() {
    var nav = document.querySelector("[data-tabs]");
    if (!nav) return;
    var list = nav.querySelector("ul");
    var tabs = Array.prototype.slice.call(nav.querySelectorAll("a[data-tab]"));
    var panels = tabs.map(function (tab) {
      return document.getElementById(tab.getAttribute("href").slice(1));
    });
    if (panels.some(function (panel) { return !panel; })) return;

    list.setAttribute("role", "tablist");
    tabs.forEach(function (tab, index) {
      var panel = panels[index];
      tab.parentNode.setAttribute("role", "presentation");
      tab.setAttribute("role", "tab");
      tab.id = "tab-" + panel.id;
      tab.setAttribute("aria-controls", panel.id);
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", tab.id);
      panel.setAttribute("tabindex", "-1");
      tab.addEventListener("click", function (event) {
        event.preventDefault();
        select(index, true);
      });
      tab.addEventListener("keydown", function (event) {
        var next = null;
        if (event.key === "ArrowRight") next = (index + 1) % tabs.length;
        if (event.key === "ArrowLeft") next = (index - 1 + tabs.length) % tabs.length;
        if (event.key === "Home") next = 0;
        if (event.key === "End") next = tabs.length - 1;
        if (next !== null) {
          event.preventDefault();
          select(next, false);
          tabs[next].focus();
        }
      });
    });
    nav.classList.add("tabs-active");

    function select(index, focusPanel) {
      tabs.forEach(function (tab, i) {
        var selected = i === index;
        tab.setAttribute("aria-selected", selected ? "true" : "false");
        tab.setAttribute("tabindex", selected ? "0" : "-1");
        panels[i].hidden = !selected;
      });
      if (focusPanel) panels[index].focus();
    }

    function panelIndexOf(element) {
      for (var i = 0; i < panels.length; i++) {
        if (panels[i].contains(element)) return i;
      }
      return -1;
    }

    // Open on the first section with an error, else the one named in the URL, else the first.
    var firstError = document.querySelector(".tab-panel [aria-invalid=true], .tab-panel .has-error");
    var start = firstError ? panelIndexOf(firstError) : -1;
    if (start < 0 && window.location.hash) {
      var target = document.getElementById(window.location.hash.slice(1));
      if (target) start = panelIndexOf(target);
    }
    select(start < 0 ? 0 : start, false);

    // A link to a field inside a hidden section (the error summary) opens that section first.
    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
      if (!link || link.hasAttribute("data-tab")) return;
      var target = document.getElementById(link.getAttribute("href").slice(1));
      var index = target ? panelIndexOf(target) : -1;
      if (index < 0) return;
      event.preventDefault();
      select(index, false);
      target.focus();
    });
  }

  // -- 電子保証 for a body that does not accept it yet: said next to the choice at once ---------------
  // The reasons come from the server (netdesk.rules.esurety_refusals); 申込確認へ checks the same rule.

  function setUpEsuretyWarnings() {
    var data = document.getElementById("esurety-refusals");
    var body = document.getElementById("id_ordering_body");
    if (!data || !body) return;
    var refusals = JSON.parse(data.textContent);
    var warnings = document.querySelectorAll("[data-esurety-warning]");

    function update() {
      var reason = refusals[body.value] || "";
      warnings.forEach(function (warning) {
        var product = warning.getAttribute("data-esurety-warning");
        var chosen = document.querySelector("input[name=" + product + "_format]:checked");
        var text = chosen && chosen.value === "electronic" ? reason : "";
        if (warning.textContent !== text) warning.textContent = text;
      });
    }

    body.addEventListener("change", update);
    document.querySelectorAll("input[name$=_format]").forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    // Not on load: a refused choice already has the server's message (with its link) below it.
  }

  // -- send once ----------------------------------------------------------------------------------

  function setUpSubmitOnce() {
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.sent) {
          event.preventDefault();
          return;
        }
        form.dataset.sent = "1";
        form.querySelectorAll("button[type=submit]").forEach(function (button) {
          button.setAttribute("aria-disabled", "true");
          button.textContent = "送信しています…";
        });
      });
    });
  }

  function focusErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  }

  function start() {
    setUpTabs();
    setUpRatios();
    setUpEsuretyWarnings();
    setUpSubmitOnce();
    focusErrorSummary();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

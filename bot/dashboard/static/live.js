// Live updates (bot/dashboard/live.py): each new conversation or ticket arrives as a row of
// cells and goes on top of the table that lists that kind. Text only (textContent), never HTML.
"use strict";
(function () {
  var url = document.body.getAttribute("data-events");
  if (!url || !window.EventSource) {
    return;
  }
  var source = new EventSource(url);

  function row(cells) {
    var tr = document.createElement("tr");
    tr.className = "fresh";
    cells.forEach(function (cell) {
      var td = document.createElement("td");
      if (cell.mark) {
        td.className = "mark-" + cell.mark;
      }
      if (cell.href && cell.href.indexOf("/dashboard/") === 0) {
        var link = document.createElement("a");
        link.href = cell.href;
        link.textContent = cell.text;
        td.appendChild(link);
      } else {
        td.textContent = cell.text;
      }
      tr.appendChild(td);
    });
    return tr;
  }

  function add(kind) {
    return function (event) {
      var body = document.querySelector('table[data-live="' + kind + '"] tbody');
      if (body) {
        body.insertBefore(row(JSON.parse(event.data).cells), body.firstChild);
      }
    };
  }

  source.addEventListener("conversation", add("conversation"));
  source.addEventListener("ticket", add("ticket"));
  // Leaving the page (a form sent, sign-out among them) ends the stream first: its last word
  // must not send the browser elsewhere than where the form leads.
  function stop() {
    source.close();
  }
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", stop);
  });
  window.addEventListener("pagehide", stop);
  source.addEventListener("signed-out", function () {
    source.close();
    window.location.assign("/dashboard/signin");
  });
})();

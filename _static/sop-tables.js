/* Wide tables on small screens (issue 14). For every table in the article:
   - make sure it sits in its own sideways-scrolling box (.sop-scroll), unless the theme or
     MyST-NB already put it in one;
   - show its caption above that box, so a phone shows the whole caption rather than the
     part that fits before the table scrolls (the <caption> stays for screen readers);
   - pin the row-label columns (header cells before the first data cell of each body row,
     and the header cells above them) with position: sticky, as long as they take at most
     45% of the box, else only the first column.
   Nothing here changes a table's content; without JavaScript the boxes still scroll. */
(function () {
  "use strict";

  function scrollBox(table, article) {
    for (let a = table.parentElement; a && a !== article; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if (ox === "auto" || ox === "scroll") return a;
      if (a.tagName === "SECTION" || a.tagName === "ARTICLE") break;
    }
    const box = document.createElement("div");
    box.className = "sop-scroll";
    table.parentNode.insertBefore(box, table);
    box.appendChild(table);
    return box;
  }

  // The grid column where each cell starts, honouring rowspan and colspan.
  function gridColumns(table) {
    const taken = [], start = new Map();
    Array.from(table.rows).forEach(function (row, r) {
      let c = 0;
      Array.from(row.cells).forEach(function (cell) {
        while (taken[r] && taken[r][c]) c++;
        start.set(cell, c);
        for (let i = 0; i < cell.rowSpan; i++) {
          for (let j = 0; j < cell.colSpan; j++) {
            (taken[r + i] = taken[r + i] || [])[c + j] = true;
          }
        }
        c += cell.colSpan;
      });
    });
    return start;
  }

  function labelColumns(table, start) {
    // number of leading <th> columns in the body rows (row labels), at least 1
    let n = Infinity;
    Array.from(table.tBodies).forEach(function (tb) {
      Array.from(tb.rows).forEach(function (row) {
        let k = 0;
        for (const cell of row.cells) {
          if (cell.tagName !== "TH") break;
          k = start.get(cell) + cell.colSpan;
        }
        n = Math.min(n, Math.max(k, 1));
      });
    });
    return n === Infinity ? 1 : n;
  }

  function pin(table, box) {
    const start = gridColumns(table);
    let n = labelColumns(table, start);
    const first = table.tBodies.length && table.tBodies[0].rows.length ? table.tBodies[0].rows[0] : null;
    if (!first) return;
    const cells = Array.from(first.cells);
    const tleft = table.getBoundingClientRect().left;
    const edge = function (k) {  // right edge of grid column k-1 in the first body row
      let right = 0;
      cells.forEach(function (c) {
        if (start.get(c) + c.colSpan <= k) right = Math.max(right, c.getBoundingClientRect().right - tleft);
      });
      return right;
    };
    if (n > 1 && edge(n) > 0.45 * box.clientWidth) n = 1;
    if (edge(1) > 0.45 * box.clientWidth) {
      // long row labels wrap within 40% of the box rather than hide the data
      const w = Math.round(0.4 * box.clientWidth) + "px";
      Array.from(table.rows).forEach(function (row) {
        Array.from(row.cells).forEach(function (cell) {
          if (start.get(cell) === 0 && cell.colSpan === 1) {
            cell.classList.add("sop-label-wrap");
            cell.style.width = w;
            cell.style.minWidth = w;
            cell.style.maxWidth = w;
          }
        });
      });
    }
    if (edge(1) > 0.6 * box.clientWidth) return;   // a label column that wide would hide the data
    const lefts = [];
    for (let k = 0; k < n; k++) lefts.push(k === 0 ? 0 : edge(k));
    Array.from(table.rows).forEach(function (row) {
      Array.from(row.cells).forEach(function (cell) {
        const c = start.get(cell);
        if (c < n && c + cell.colSpan <= n) {
          cell.classList.add("sop-sticky");
          cell.style.left = lefts[c] + "px";
          if (c + cell.colSpan === n) cell.classList.add("sop-sticky-last");
        }
      });
    });
  }

  function caption(table, box) {
    const cap = table.caption;
    if (!cap || !cap.textContent.trim() || box.previousElementSibling &&
        box.previousElementSibling.classList.contains("sop-table-caption")) return;
    const div = document.createElement("div");
    div.className = "sop-table-caption";
    div.setAttribute("aria-hidden", "true");
    cap.childNodes.forEach(function (n) { div.appendChild(n.cloneNode(true)); });
    if (getComputedStyle(cap).fontWeight >= 600) div.style.fontWeight = "bold";
    box.parentNode.insertBefore(div, box);
    cap.classList.add("sop-visually-hidden");
  }

  function run() {
    const article = document.querySelector("article.bd-article");
    if (!article) return;
    article.querySelectorAll("table").forEach(function (table) {
      if (table.closest("mjx-container")) return;
      const box = scrollBox(table, article);
      if (box.querySelectorAll("table").length === 1) caption(table, box);
      // on a wide screen, a table that almost fits is set more tightly first
      if (box.scrollWidth > box.clientWidth + 1 && box.clientWidth >= 600 &&
          box.scrollWidth < 1.5 * box.clientWidth) table.classList.add("sop-compact");
      if (box.scrollWidth > box.clientWidth + 1) pin(table, box);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
  // a phone turned sideways: pin the tables that now scroll
  let timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      document.querySelectorAll("article.bd-article table").forEach(function (t) {
        const box = t.closest(".sop-scroll, div.cell_output .output, .pst-scrollable-table-container");
        if (box && box.scrollWidth > box.clientWidth + 1 && !t.querySelector(".sop-sticky")) pin(t, box);
      });
    }, 200);
  });
})();

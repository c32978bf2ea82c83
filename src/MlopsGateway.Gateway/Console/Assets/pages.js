// The console's other pages: workers, drift, audit, keys, and a model's live charts. Uses the
// helpers console.js puts on window.MlopsConsole; every value is set as text.
"use strict";
(function () {
  const C = window.MlopsConsole;
  if (!C) return;
  const { el, getJson, postJson, when, num, clear, main } = C;

  function table(headers, rows, attrs) {
    return el("table", attrs || {}, el("thead", {}, el("tr", {}, headers.map(h => el("th", { text: h })))), el("tbody", {}, rows));
  }

  // ---- workers ----
  // One line per version: queue now, batches since the heartbeat before, their mean and largest rows.
  function loadText(load) {
    if (!load) return "–";
    if (load.length === 0) return "no version loaded";
    return load.map(l => `${l.model} ${l.version}: queue ${l.queue_depth}, ${l.batches} batches, mean ${num(l.mean_batch_size, 1)}, max ${l.max_batch_size}`).join("; ");
  }

  C.pages.workers = async () => {
    const data = await getJson(main.dataset.api);
    clear();
    if (data.workers.length === 0) { main.append(el("p", { class: "muted", id: "no-workers", text: "No worker is registered." })); return; }
    main.append(table(["Worker", "Address", "Health", "Serves", "Queue and batches (last heartbeat)", "Started", "Last heartbeat"], data.workers.map(w =>
      el("tr", { "data-worker": w.id },
        el("td", { "data-field": "id", class: "mono", text: w.id }),
        el("td", { "data-field": "address", text: w.address }),
        el("td", { "data-field": "health", class: w.ready ? "healthy" : "unhealthy", text: (w.ready ? "ready" : "not ready") + (w.held ? " (record gone, kept while it answers)" : "") }),
        el("td", { "data-field": "models", text: w.models.map(m => `${m.model} ${m.version}`).join(", ") }),
        el("td", { "data-field": "load", text: loadText(w.load) }),
        el("td", { "data-field": "started_at", text: when(w.started_at) }),
        el("td", { "data-field": "heartbeat_at", text: when(w.heartbeat_at) }))), { id: "workers" }));
  };

  // ---- drift: a heatmap of each feature's score over its threshold, accuracy with intervals, coverage ----
  function heat(ratio, state) {
    if (state === "insufficient" || ratio === null) return "#e6e8ec";
    const r = Math.max(0, Math.min(2, ratio)) / 2;
    return `hsl(${Math.round(120 - 120 * r)}, 70%, ${Math.round(75 - 20 * r)}%)`;
  }

  C.pages.drift = async () => {
    const data = await getJson(main.dataset.api);
    clear();
    if (data.versions.length === 0) { main.append(el("p", { class: "muted", id: "no-drift", text: "No evaluation yet: the monitoring loop scores served versions that have a baseline every interval (--monitor-interval)." })); return; }
    for (const v of data.versions) {
      const reports = v.reports;
      const last = reports[reports.length - 1];
      const features = [...new Set(reports.flatMap(r => r.features.filter(f => f.primary).map(f => f.feature)))];
      const section = el("section", { class: "drift", "data-model": v.model, "data-version": v.version },
        el("h2", {}, `${v.model} version ${v.version}: `, el("span", { "data-field": "drift_state", class: "state-" + last.drift_state, text: last.drift_state })),
        el("p", { class: "muted" }, `${reports.length} evaluations, the last at ${when(last.evaluated_at)} over ${last.rows} rows. Colour: score ÷ threshold (green under, red over).`));
      const heatRows = features.map(name => el("tr", { "data-feature": name }, el("th", { text: name }), reports.map(r => {
        const f = r.features.find(x => x.feature === name && x.primary);
        const ratio = f && f.score !== null && f.threshold ? f.score / f.threshold : null;
        return el("td", { class: "cell", style: null, title: f ? `${when(r.evaluated_at)} ${f.method} ${num(f.score)} / ${num(f.threshold)} (${f.state})` : "", "data-state": f ? f.state : "", "data-color": heat(ratio, f && f.state) });
      })));
      const heatmap = el("table", { class: "heatmap" }, el("tbody", {}, heatRows));
      // Colours through the CSSOM: the page's policy allows no inline style attributes.
      heatmap.querySelectorAll("td.cell").forEach(td => { td.style.background = td.dataset.color; });
      section.append(el("h3", {}, "Features (primary method) over time"), heatmap);
      section.append(el("h3", {}, "Now"), table(["Feature", "Method", "Score", "Threshold", "Rows", "State"], last.features.map(f =>
        el("tr", { "data-feature": f.feature, "data-method": f.method },
          el("td", { text: f.feature }), el("td", { text: f.method + (f.primary ? "" : " (shown beside)") }),
          el("td", { "data-field": "score", text: num(f.score, 4) }), el("td", { "data-field": "threshold", text: num(f.threshold, 4) }),
          el("td", { text: f.rows }), el("td", { "data-field": "state", class: "state-" + f.state, text: f.state })))));
      const metrics = [...new Set(reports.flatMap(r => r.accuracy.map(a => a.metric)))];
      section.append(el("h3", {}, "Accuracy (95% intervals) and label coverage"), table(["Evaluated", ...metrics, "Labels", "Predictions", "Coverage"],
        reports.slice(-12).reverse().map(r => el("tr", { "data-evaluated": r.evaluated_at },
          el("td", { text: when(r.evaluated_at) }),
          metrics.map(m => { const a = r.accuracy.find(x => x.metric === m); return el("td", { "data-metric": m, text: a ? `${num(a.value)} [${num(a.lower)}, ${num(a.upper)}]` : "–" }); }),
          el("td", { "data-field": "labels", text: r.labels }), el("td", { "data-field": "predictions", text: r.predictions }),
          el("td", { "data-field": "coverage", text: r.coverage === undefined || r.coverage === null ? "–" : (100 * r.coverage).toFixed(1) + "%" })))));
      main.append(section);
    }
  };

  // ---- audit ----
  C.pages.audit = async () => {
    clear();
    const kind = el("select", { id: "filter-kind", name: "kind" }, ["", "route", "key", "registry", "rollout"].map(k => el("option", { value: k, text: k || "all" })));
    const subject = el("input", { id: "filter-subject", name: "subject", placeholder: "model or key" });
    const by = el("input", { id: "filter-by", name: "by", placeholder: "who" });
    const list = el("div", { id: "audit" });
    async function load() {
      const query = new URLSearchParams();
      if (kind.value) query.set("kind", kind.value);
      if (subject.value) query.set("subject", subject.value);
      if (by.value) query.set("by", by.value);
      const data = await getJson(main.dataset.api + "?" + query);
      list.replaceChildren(data.entries.length === 0 ? el("p", { class: "muted", text: "No changes match." })
        : table(["When", "Kind", "Action", "Subject", "By", "Change"], data.entries.map(e => el("tr", { "data-kind": e.kind },
          el("td", { text: when(e.at) }), el("td", { "data-field": "kind", text: e.kind }), el("td", { "data-field": "action", text: e.action }),
          el("td", { "data-field": "subject", text: e.subject }), el("td", { "data-field": "by", text: e.by }), el("td", { "data-field": "detail", text: e.detail })))));
    }
    main.append(el("form", { class: "filters", id: "audit-filters", onsubmit: ev => { ev.preventDefault(); load().catch(C.fail); } },
      el("label", {}, "Kind", kind), el("label", {}, "Subject", subject), el("label", {}, "By", by), el("button", { type: "submit", text: "Filter" })), list);
    await load();
  };

  // ---- keys ----
  C.pages.keys = async () => {
    const admin = main.dataset.admin === "true";
    const data = await getJson(main.dataset.api);
    clear();
    const shown = el("div", { id: "new-secret" });
    main.append(shown, table(["Id", "Name", "Scopes", "Models", "Created", "Quota", ""], data.keys.map(k => el("tr", { "data-key": k.id },
      el("td", { "data-field": "id", class: "mono", text: k.id }), el("td", { "data-field": "name", text: k.name }),
      el("td", { "data-field": "scopes", text: k.scopes.join(", ") }), el("td", { "data-field": "models", text: k.models.join(", ") }),
      el("td", { text: when(k.created_at) }),
      el("td", { text: k.rate_per_second ? `${k.rate_per_second}/s` : "none" }),
      el("td", {}, admin ? el("button", { type: "button", class: "revoke", "data-revoke": k.id, text: "Revoke", onclick: async () => {
        if (!window.confirm(`Revoke key ${k.name} (${k.id})? Its callers are refused from then on.`)) return;
        try { await postJson(`${main.dataset.api}/${encodeURIComponent(k.id)}/revoke`); await C.pages.keys(); } catch (e) { C.fail(e); }
      } }) : ""))), { id: "keys" }));
    if (!admin) { main.append(el("p", { class: "muted", text: "Creating and revoking keys needs the admin scope." })); return; }
    const name = el("input", { id: "new-key-name", name: "name", required: true });
    const scopes = el("input", { id: "new-key-scopes", name: "scopes", value: "infer" });
    const models = el("input", { id: "new-key-models", name: "models", placeholder: "every model" });
    main.append(el("h2", {}, "Create a key"), el("form", { class: "filters", id: "create-key", onsubmit: async ev => {
      ev.preventDefault();
      const split = s => s.split(",").map(x => x.trim()).filter(Boolean);
      try {
        const made = await postJson(main.dataset.api, { name: name.value, scopes: split(scopes.value), models: split(models.value) });
        await C.pages.keys();
        document.getElementById("new-secret").replaceChildren(el("div", { class: "secret" },
          el("strong", {}, `Key ${made.key.name} (${made.key.id}) created. Its secret, shown this once (only its hash is stored):`),
          el("div", { class: "mono", id: "secret", text: made.secret })));
      } catch (e) { C.fail(e); }
    } }, el("label", {}, "Name", name), el("label", {}, "Scopes (comma-separated)", scopes), el("label", {}, "Models (comma-separated)", models),
      el("button", { type: "submit", text: "Create" })));
  };

  // ---- a model's live view: requests/s, errors, p50 and p99 per version over the last hour ----
  function chart(title, id, times, series, unit) {
    const box = el("div", { class: "chart", id });
    // Sized to the box once the grid has laid it out, and again whenever it changes width: a width
    // worked out from the page's drew each chart over its neighbours where the grid made three columns.
    const inner = () => Math.max(200, box.clientWidth - 16);
    if (typeof window.uPlot !== "function") { box.append(el("p", { class: "error", text: "uPlot did not load." })); return box; }
    box.append(el("h3", { text: title }));
    const colours = ["#2457c5", "#d9480f", "#2b8a3e", "#862e9c", "#c2255c"];
    // Latency has no value in a bucket without answered calls (null, a gap): a bucket between two gaps is a lone
    // point that a line never draws, so latency's points are always shown. The plot is kept on the box (box.uplot).
    box.uplot = new window.uPlot({ width: 360, height: 200, series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: colours[i % colours.length], width: 1.5, spanGaps: false,
      points: unit === "ms" ? { show: true, size: 5, fill: colours[i % colours.length] } : {}, value: (u, v) => v === null ? "–" : v.toFixed(unit === "ms" ? 1 : 2) + " " + unit }))],
      axes: [{}, { label: unit }], scales: { x: { time: true } } }, [times, ...series.map(s => s.values)], box);
    new ResizeObserver(() => { if (box.clientWidth > 0 && box.uplot.width !== inner()) box.uplot.setSize({ width: inner(), height: 200 }); }).observe(box);
    return box;
  }

  // ---- its rollout: the steps, where it stands, every judged window with each criterion's verdict ----
  function rolloutView(r) {
    const steps = r.steps.map((s, i) => el("span", { class: i === r.step && r.weight > 0 ? "step current" : "step", "data-step": i, text: `${s}%` }));
    const rows = r.history.flatMap((w, i) => (w.verdicts.length ? w.verdicts : [null]).map(v => el("tr", { "data-window": i, "data-criterion": v ? v.criterion : "" },
      el("td", { text: `${when(w.from)} – ${when(w.to)}` }), el("td", { "data-field": "phase", text: w.phase }),
      el("td", { "data-field": "step", text: w.step + 1 }), el("td", { "data-field": "weight", text: `${w.weight}%` }),
      el("td", { "data-field": "criterion", text: v ? v.criterion : "–" }),
      el("td", { "data-field": "verdict", class: v ? "verdict-" + v.verdict : "", text: v ? v.verdict : "–" }),
      el("td", { "data-field": "canary", text: v ? num(v.canary) : "" }), el("td", { "data-field": "stable", text: v ? num(v.stable) : "" }),
      el("td", { "data-field": "limit", text: v ? num(v.limit) : "" }),
      el("td", { "data-field": "samples", text: v ? `${v.canary_samples} / ${v.stable_samples}` : "" }),
      el("td", { "data-field": "reason", text: v ? `${v.reason}${v.test ? ` (${v.test})` : ""}` : "" }),
      el("td", { "data-field": "decision", text: w.decision }))));
    return el("div", { id: "rollout", "data-canary": r.canary },
      el("h3", {}, `Rollout of version ${r.canary} against ${r.stable}: `,
        el("span", { "data-field": "phase", text: r.phase + (r.paused ? " (paused)" : "") + (r.dry_run ? " (dry run)" : "") })),
      el("p", { "data-field": "steps" }, "Steps: ", steps.flatMap((s, i) => i ? [" → ", s] : [s]), `; the canary gets ${r.weight}% now.`),
      el("p", { "data-field": "reason", text: r.reason }),
      rows.length ? table(["Window", "Phase", "Step", "Weight", "Criterion", "Verdict", "Canary", "Stable", "Limit", "Samples (canary / stable)", "Why", "Decision"], rows, { id: "rollout-windows" })
        : el("p", { class: "muted", text: "No window judged yet." }));
  }

  // The API leaves nulls out (ConsoleJson), so a bucket without answered calls has no p50 at all: undefined, not null.
  C.live = async model => {
    const data = await getJson(`/console/api/models/${encodeURIComponent(model.name)}/live`);
    const route = data.route;
    const section = el("section", { id: "live" }, el("h2", {}, "Live: the last hour"),
      el("p", { "data-field": "canary_weight", text: route && route.canary ? `Canary ${route.canary} gets ${route.canary_weight}% of calls; stable ${route.stable} the rest.` : "No canary." }),
      table(["Version", "Calls", "Errors", "Errors by status"], data.versions.map(v => el("tr", { "data-version": v.version },
        el("td", { text: v.version }), el("td", { "data-field": "requests", text: v.requests }), el("td", { "data-field": "errors", text: v.errors }),
        el("td", { text: Object.entries(v.errors_by_status).map(([s, n]) => `${s} ${n}`).join(", ") || "none" }))), { id: "live-totals" }),
      data.rollout ? rolloutView(data.rollout) : el("p", { class: "muted", id: "no-rollout", text: "No rollout: 'mlops rollout start' begins one." }),
      data.rollout_fault ? el("p", { class: "error", id: "rollout-fault", text: `The rollout record ${data.rollout_fault.key} was skipped: ${data.rollout_fault.fault}` }) : null);
    const times = data.versions.length ? data.versions[0].points.map(p => p.at) : [];
    const of = (pick, scale) => data.versions.map(v => ({ label: "v" + v.version, values: v.points.map(p => { const x = pick(p); return x == null ? null : x * (scale || 1); }) }));
    section.append(el("div", { class: "charts" },
      chart("Requests/s", "chart-rps", times, of(p => p.requests_per_second), "req/s"),
      chart("Errors (per 10 s)", "chart-errors", times, of(p => p.errors), "errors"),
      chart("p50 latency", "chart-p50", times, of(p => p.p50, 1000), "ms"),
      chart("p99 latency", "chart-p99", times, of(p => p.p99, 1000), "ms")));
    main.append(section);
  };
})();

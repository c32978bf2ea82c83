// The console's pages: each reads its JSON under /console/api/ and renders it. Values are always set
// as text (never as HTML), so nothing a record holds can run in the page.
"use strict";
(function () {
  const main = document.getElementById("page");
  if (!main) return;
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  /** An element with attributes (class, data-*, ...) and children (nodes or text). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = String(value);
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.status === 401) { window.location.assign("/console/signin?returnUrl=" + encodeURIComponent(location.pathname + location.search)); throw new Error("signed out"); }
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || response.statusText);
    return body;
  }

  async function postJson(url, value) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-TOKEN": csrf },
      body: JSON.stringify(value || {}),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error || response.statusText);
    return body;
  }

  function when(iso) { return iso ? new Date(iso).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z") : ""; }
  function num(value, digits) { return value === null || value === undefined || Number.isNaN(value) ? "–" : Number(value).toFixed(digits === undefined ? 3 : digits); }
  function describe(tensor) { return `${tensor.name} ${tensor.datatype} [${tensor.shape.join(", ")}]`; }
  function routeText(route) {
    if (!route) return "no route (calls get the highest version served)";
    let text = `stable ${route.stable}`;
    if (route.canary) text += `; canary ${route.canary} at ${route.canary_weight}%`;
    if (route.shadow) text += `; shadow ${route.shadow} at ${route.shadow_percent}%`;
    return text;
  }

  function clear() {
    const title = main.querySelector("h1");
    main.replaceChildren(title || "");
  }

  function fail(error) {
    main.querySelector(".loading")?.remove();
    main.append(el("p", { class: "error", id: "page-error", role: "alert", text: "Could not load this page: " + error.message }));
  }

  // ---- models ----------------------------------------------------------------------------------
  function versionRow(model, v) {
    const lineage = v.lineage ? [v.lineage.source && `source ${v.lineage.source}`, v.lineage.run_id && `run ${v.lineage.run_id}`,
      v.lineage.parent && `parent ${v.lineage.parent}`, v.lineage.training_data_sha256 && `data ${v.lineage.training_data_sha256.slice(0, 12)}`].filter(Boolean).join("; ") : "";
    const deprecation = v.retired_at ? `retired ${when(v.retired_at)} by ${v.retired_by}`
      : v.deprecation ? `deprecated: sunset ${when(v.deprecation.sunset)}${v.deprecation.replacement ? `, use ${v.deprecation.replacement}` : ""}${v.deprecation.note ? ` (${v.deprecation.note})` : ""}` : "";
    const callers = v.callers.length === 0 ? el("span", { class: "muted", text: "none" })
      : el("ul", {}, v.callers.map(c => el("li", { "data-caller": c.key_id }, `${c.key_name || c.key_id}: ${c.count} calls, last ${when(c.last_seen)}`)));
    return el("tr", { "data-model": model, "data-version": v.version },
      el("td", { "data-field": "version", text: v.version }),
      el("td", { "data-field": "status", class: v.status ? `status-${v.status}` : "muted", text: v.status || "served (not in the registry)" }),
      el("td", { "data-field": "aliases", text: v.aliases.map(a => "@" + a).join(", ") }),
      el("td", { "data-field": "sha256", class: "mono", title: v.sha256 || "", text: v.sha256 ? v.sha256.slice(0, 12) : "" }),
      el("td", { "data-field": "signature", class: "mono" }, v.signature ? [
        el("div", {}, "in: " + v.signature.inputs.map(describe).join(", ")),
        el("div", {}, "out: " + v.signature.outputs.map(describe).join(", "))] : ""),
      el("td", { "data-field": "lineage", text: lineage }),
      el("td", { "data-field": "created", text: v.created_at ? `${when(v.created_at)} by ${v.created_by}` : "" }),
      el("td", { "data-field": "deprecation", class: deprecation ? "deprecated" : "", text: deprecation }),
      el("td", { "data-field": "workers", text: v.workers }),
      el("td", { "data-field": "callers" }, callers));
  }

  function versionsTable(model) {
    return el("table", { class: "versions", "data-model": model.name },
      el("thead", {}, el("tr", {}, ["Version", "Status", "Aliases", "SHA-256", "Signature", "Lineage", "Pushed", "Deprecation", "Workers", "Callers"].map(h => el("th", { text: h })))),
      el("tbody", {}, model.versions.map(v => versionRow(model.name, v))));
  }

  function faults(list) {
    if (!list || list.length === 0) return null;
    return el("div", { class: "card error", id: "faults" }, el("strong", {}, "Records skipped as unreadable:"),
      el("ul", {}, list.map(f => el("li", {}, `${f.key}: ${f.fault}`))));
  }

  async function modelsPage() {
    const data = await getJson(main.dataset.api);
    clear();
    if (data.models.length === 0) main.append(el("p", { class: "muted", id: "no-models", text: "No models yet: push one with 'mlops models push FILE --model NAME'." }));
    for (const model of data.models) {
      main.append(el("section", { class: "model", "data-model": model.name },
        el("h2", {}, el("a", { href: "/console/models/" + encodeURIComponent(model.name), text: model.name })),
        el("p", { "data-field": "route", text: "Route: " + routeText(model.route) }),
        versionsTable(model)));
    }
    const f = faults(data.faults); if (f) main.append(f);
  }

  // ---- one model: its versions now, and its live view (filled in by modelLive once telemetry is there) ----
  async function modelPage() {
    const data = await getJson(main.dataset.api);
    const model = data.model;
    clear();
    main.append(el("section", { class: "model", "data-model": model.name },
      el("p", { "data-field": "route", text: "Route: " + routeText(model.route) }),
      versionsTable(model)));
    const f = faults(data.faults); if (f) main.append(f);
    if (window.MlopsConsole.live) await window.MlopsConsole.live(model);
  }

  const pages = { models: () => main.dataset.view === "model" ? modelPage() : modelsPage() };
  window.MlopsConsole = { el, getJson, postJson, when, num, clear, fail, routeText, pages, main };
  window.addEventListener("DOMContentLoaded", () => {
    const page = pages[main.dataset.page];
    if (page) page().catch(fail);
  });
})();

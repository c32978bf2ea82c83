// The playground: pick a model and version, fill its form (typical values from the baseline), call it
// through the gateway as the signed-in key, and show the outputs and each feature's attribution.
"use strict";
(function () {
  const C = window.MlopsConsole;
  if (!C) return;
  const { el, getJson, postJson, clear, main, num } = C;

  function option(value, text, selected) { return el("option", { value, selected: selected || null, text }); }

  function inputsOf(form, spec) {
    const inputs = {};
    for (const input of spec.inputs) {
      if (input.features) {
        const row = input.features.map((f, i) => Number(form.querySelector(`[data-input="${CSS.escape(input.name)}"][data-column="${i}"]`).value));
        inputs[input.name] = JSON.stringify([row]);
      } else {
        inputs[input.name] = form.querySelector(`textarea[data-input="${CSS.escape(input.name)}"]`).value;
      }
    }
    return inputs;
  }

  function fields(spec) {
    return spec.inputs.map(input => el("fieldset", { "data-input": input.name },
      el("legend", { text: `${input.name} ${input.datatype} [${input.shape.join(", ")}]` }),
      input.features
        ? input.features.map((f, i) => el("label", { class: "feature" }, f.name,
            el("input", { type: "number", step: "any", required: true, name: f.name, "data-input": input.name, "data-column": i, "data-feature": f.name, value: f.typical })))
        : el("textarea", { "data-input": input.name, rows: 4, cols: 60, text: JSON.stringify(input.example) })));
  }

  function outputs(prediction) {
    return el("section", { id: "pg-result", class: "card" },
      el("h2", { text: `Answer of ${prediction.model_name} version ${prediction.model_version}` }),
      el("table", { id: "pg-outputs" },
        el("thead", {}, el("tr", {}, ["Output", "Datatype", "Shape", "Values"].map(h => el("th", { text: h })))),
        el("tbody", {}, prediction.outputs.map(o => el("tr", { "data-output": o.name },
          el("td", { text: o.name }), el("td", { text: o.datatype }), el("td", { text: `[${o.shape.join(", ")}]` }),
          el("td", { class: "mono", text: JSON.stringify(o.data) }))))),
      el("pre", { id: "pg-prediction", class: "mono", text: JSON.stringify(prediction, null, 2) }));
  }

  function explanation(e) {
    const largest = Math.max(1e-12, ...e.attributions.map(a => Math.abs(a.attribution)));
    const rows = [...e.attributions].sort((a, b) => Math.abs(b.attribution) - Math.abs(a.attribution)).map(a => {
      const bar = el("div", { class: "bar " + (a.attribution >= 0 ? "up" : "down") });
      bar.style.width = (100 * Math.abs(a.attribution) / largest).toFixed(1) + "%";
      return el("tr", { "data-feature": a.name, "data-attribution": String(a.attribution) },
        el("td", { text: a.name }), el("td", { class: "mono", text: num(a.value, 3) }),
        el("td", { class: "mono", text: (a.attribution >= 0 ? "+" : "") + num(a.attribution, 4) }),
        el("td", { class: "bars" }, bar));
    });
    return el("section", { id: "pg-explanation", class: "card", "data-value": String(e.value), "data-base": String(e.base_value) },
      el("h2", { text: `Why: ${e.output}${e.target_class ? ` (${e.target_class})` : ""}` }),
      el("p", {}, `f(x) = ${num(e.value, 4)}, base (mean over ${e.background_rows} background rows) = ${num(e.base_value, 4)}; `
        + `the attributions add up to ${num(e.value - e.base_value, 4)} (${e.method.replace("EXPLAIN_METHOD_", "").toLowerCase()} Shapley values).`),
      el("table", { id: "pg-attributions" },
        el("thead", {}, el("tr", {}, ["Feature", "Value", "Attribution", ""].map(h => el("th", { text: h })))),
        el("tbody", {}, rows)));
  }

  C.pages.playground = async function () {
    const data = await getJson(main.dataset.api);
    clear();
    if (data.models.length === 0) { main.append(el("p", { class: "muted", id: "pg-none", text: "No worker serves a model yet." })); return; }
    const models = el("select", { id: "pg-model" }, data.models.map(m => option(m.name, m.name)));
    const versions = el("select", { id: "pg-version" });
    const form = el("form", { id: "pg-form" });
    const result = el("div", { id: "pg-answer" });
    main.append(el("div", { class: "filters" }, el("label", {}, "Model", models), el("label", {}, "Version", versions)), form, result);

    let loads = 0;
    async function loadForm() {
      // Only the latest pick is shown: an answer to an earlier one that arrives late is dropped.
      const ticket = ++loads;
      form.replaceChildren(); result.replaceChildren();
      const spec = await getJson(`${main.dataset.api}/form?model=${encodeURIComponent(models.value)}&version=${encodeURIComponent(versions.value)}`);
      if (ticket !== loads) return;
      form.append(el("p", { class: "muted", id: "pg-baseline", text: spec.baseline ? `Typical values from the baseline (${spec.baseline}).` : "No baseline: enter the inputs." }),
        ...fields(spec), el("button", { type: "submit", id: "pg-run", text: "Predict" }));
      form.onsubmit = async event => {
        event.preventDefault();
        result.replaceChildren(el("p", { class: "loading", text: "Calling…" }));
        const call = { model: spec.model, version: spec.version, inputs: inputsOf(form, spec) };
        try {
          const answer = await postJson(`${main.dataset.api}/predict`, call);
          result.replaceChildren(outputs(answer.prediction));
          if (spec.inputs.length === 1 && spec.inputs[0].features) {
            const why = await postJson(`${main.dataset.api}/explain`, call);
            result.append(explanation(why.explanation));
          }
        } catch (error) {
          result.replaceChildren(el("p", { class: "error", id: "pg-error", role: "alert", text: error.message }));
        }
      };
    }
    function loadVersions() {
      const model = data.models.find(m => m.name === models.value);
      versions.replaceChildren(...model.versions.map((v, i) => option(v, v, i === model.versions.length - 1)));
    }
    models.onchange = () => { loadVersions(); loadForm().catch(C.fail); };
    versions.onchange = () => loadForm().catch(C.fail);
    loadVersions();
    await loadForm();
  };
})();

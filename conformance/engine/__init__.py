"""The engine behind both front doors (`conformance ...` and `pytest --socle=...`).

- `options`, `request`: the options declared once, and the typed `RunRequest` built from them;
- `run`: a request executed as one pytest session, after the `preflight` (driver loaded and greeted, run
  folder and signing checked); `session`, `scenarios`, `outcome`, `fixtures`, `html_columns`: what happens
  inside that session, scenario by scenario; `console`: the run's lines, in one language;
- `verifier`, `recorder`, `evidence`, `results`: findings, the run folder, its journal, results.json;
- `validate`: artifact mode; `collect`: requirement marks without a run; `standalone`: `serve`; `kit`: `kit`;
- `messages`: the findings the core builds itself.

Deliberately free of imports: a module of the engine is loaded only when it is used.
"""

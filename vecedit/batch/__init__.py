"""The batch workflow: one job file, any of vecedit's workflows, thousands of files, one machine or a Ray cluster.

``vecedit.batch(...)`` is :func:`vecedit.batch.api.batch` (this package is callable, see
:mod:`vecedit`). Modules, in the order the data flows:

* :mod:`~vecedit.batch.steps` — each step's options, parsed and checked by its workflow's own parser;
* :mod:`~vecedit.batch.job` — the job file (``inputs:``, ``output:``, ``steps:``) and its digest;
* :mod:`~vecedit.batch.plan` — inputs → items and their outputs; which items are already done;
* :mod:`~vecedit.batch.runner` — one item through every step, in a worker;
* :mod:`~vecedit.batch.engine_local` / :mod:`~vecedit.batch.engine_ray` — where items run;
* :mod:`~vecedit.batch.report` — the JSON-lines report and progress;
* :mod:`~vecedit.batch.api` — :func:`~vecedit.batch.api.batch`; :mod:`~vecedit.batch.cli` — ``vecedit batch``.

This ``__init__`` imports nothing.
"""

"""The built-in plugins, installed as ``vecedit.plugins`` (the repository keeps them in ``plugins/``).

Each registers in the ``vecedit.plugins`` entry-point group (pyproject.toml) exactly as a
third party's would, and depends only on the core (:mod:`vecedit.plugin.contract`);
the core never imports them.
"""

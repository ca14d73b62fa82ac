"""The plugin contract, in the core: how raster methods feed the vector edit loop.

* :mod:`~vecedit.plugin.contract` — :class:`~vecedit.plugin.contract.Plugin`,
  :class:`~vecedit.plugin.contract.Job`, :class:`~vecedit.plugin.contract.Contribution`,
  :class:`~vecedit.plugin.contract.PluginOption` (what a plugin implements and returns);
* :mod:`~vecedit.plugin.registry` — discovery through the ``vecedit.plugins`` entry-point
  group, and running a plugin before the loop;
* :mod:`~vecedit.plugin.cli` — ``vecedit plugins`` and the plugins' own subcommands.

The core never imports a plugin: the built-in ones (``vecedit.plugins``, the repository's
``plugins/`` folder) are found through their entry points exactly as a third party's are.
A plugin imports what it implements from :mod:`vecedit.plugin.contract`.
"""

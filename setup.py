"""Which packages the distribution installs (the rest of the metadata is in pyproject.toml).

The repository keeps three top-level folders: ``vecedit/`` (the core and the workflows),
``vectorizers/`` and ``plugins/``. The latter two install under the project's own name,
as ``vecedit.vectorizers`` and ``vecedit.plugins``, so ``pip install vecedit`` puts only
``vecedit`` at the top of site-packages. pyproject.toml cannot map a folder to a dotted
package name found by search, hence this file.
"""

from setuptools import find_packages, setup

NESTED = {"vecedit.vectorizers": "vectorizers", "vecedit.plugins": "plugins"}

packages = find_packages(include=["vecedit", "vecedit.*"])
for name, folder in NESTED.items():
    packages += [name] + [f"{name}.{sub}" for sub in find_packages(folder)]

setup(packages=packages, package_dir=NESTED)

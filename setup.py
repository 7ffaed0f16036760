"""The one build setting pyproject.toml cannot say: packages found, plus two mapped folders.

pyproject.toml maps `workbench.templates` to templates/ and `workbench.static` to static/
(package-dir); setuptools cannot both find packages and add mapped ones there, so the list
is made here.
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["workbench", "workbench.*"]),
                "workbench.templates", "workbench.static"])

"""The web interface's scripts, styles and icons, package data installed as `workbench.static`."""

"""The Jinja templates of the web interface, package data installed as `workbench.templates`."""

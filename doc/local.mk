## doc/ -- man pages and documentation

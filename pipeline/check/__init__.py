"""`pipeline check`: field-by-field consistency QA of a book's editions.

The catalog (:mod:`pipeline.check.catalog`) holds the rules, grouped by category in one module
each; :mod:`pipeline.check.engine` runs them over a loaded :class:`pipeline.model.Book` and
:mod:`pipeline.check.report` renders the findings. Rules see only the document model.
"""

"""Reads of the operations centre, by purpose.

* the year, quarter or month a page shows: :class:`tinhso.core.periods.Period`;
* :mod:`.facts`: what any grouping of agencies is computed from, read once per page from the
  roll-ups (:func:`~.facts.gather_facts`): the province's structure, the monthly counters, the
  live overdue and field-feedback counts, the procedure catalogue;
* :mod:`.index766`: the Decision 766 index scored from computed indicator values;
* :mod:`.overviews`: who may read it and the pages' data (province, agency, commune).

Attribution: a dossier counts for its deciding agency (cơ quan giải quyết), the agency Decision
766 scores; an agency counts for the administrative unit it serves *today* (units abolished in the
2025 reform follow their successions), so figures from before the merger roll up to today's
communes while each former unit's own agency keeps its dated history.
"""

"""Exports for other systems and people: FHIR bundles (``fhir``) and the caseload's review status (``status``)."""

__all__: list[str] = []

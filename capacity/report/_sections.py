"""The report's sections, in order. Each entry names a module with TITLE and run(ctx)."""

SECTIONS = [
    "capacity.report.boolean_section",
    "capacity.report.theorems_section",
    "capacity.report.capacity_section",
    "capacity.report.classes_section",
    "capacity.report.insensitive_section",
    "capacity.report.realistic_n_section",
    "capacity.report.mi_section",
    "capacity.report.resampling_section",
    "capacity.report.abstractions_section",
]

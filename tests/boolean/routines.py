"""The public boolean routines on truth tables, each called with its other arguments valid, for
the tables of tests that every such routine must pass (declared domains, bad input)."""
import boolean as B

#: routines that take the table alone (and the keyword options)
_TABLE_ONLY = ("fourier_coefficients", "influences", "total_influence", "spectral_weights", "degree",
               "decision_tree_depth", "anf", "f2_degree", "fourier_sparsity", "nonlinearity", "is_bent")

#: every public routine on truth tables: name -> callable(f, **options)
ROUTINES = {name: getattr(B, name) for name in _TABLE_ONLY} | {
    "noise_stability": lambda f, **kw: B.noise_stability(f, 0.3, **kw),
    "noise_sensitivity": lambda f, **kw: B.noise_sensitivity(f, 0.1, **kw),
    "noise_operator": lambda f, **kw: B.noise_operator(f, 0.5, **kw),
    "spectral_summary": lambda f, **kw: B.spectral_summary(f, **kw).weights,
    "restrict": lambda f, **kw: B.restrict(f, {0: 1}, **kw),
    "retained_information": lambda f, **kw: B.retained_information(f, [0], **kw),
    "retained_information_profile": lambda f, **kw: B.retained_information_profile(f, **kw).exact,
    "sensitivity": lambda f, **kw: B.sensitivity(f, per_input=True, **kw),
    "block_sensitivity": lambda f, **kw: B.block_sensitivity(f, per_input=True, **kw),
    "certificate_complexity": lambda f, **kw: B.certificate_complexity(f, per_input=True, **kw),
    "pbiased_fourier_coefficients": lambda f, **kw: B.pbiased_fourier_coefficients(f, 0.3, **kw),
    "pbiased_influences": lambda f, **kw: B.pbiased_influences(f, 0.3, **kw),
    "influences_p": lambda f, **kw: B.influences(f, p=0.3, **kw),
    "nearest_junta": lambda f, **kw: B.nearest_junta(f, 2, **kw).junta,
}

#: the routines of :data:`ROUTINES` that also take ``backend`` and ``device`` (the others run on the host)
DEVICE_ROUTINES = {name: ROUTINES[name] for name in (
    "fourier_coefficients", "influences", "total_influence", "spectral_weights", "degree", "noise_stability",
    "noise_sensitivity", "noise_operator", "spectral_summary", "restrict", "retained_information",
    "retained_information_profile")}

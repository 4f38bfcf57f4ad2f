"""Experiment drivers: ``run(config, workdir)`` for each script in scripts/.

Scripts only parse flags; notebooks and tests call these directly.
"""

"""The engines: the only code that imports PyMC, PyTensor or nutpie, and everything that runs a fit.

They take descriptions (:mod:`pybandits.model`) and rows, and return descriptions. One module, one job:

- :mod:`~pybandits.engines.backend`: PyMC and PyTensor imported on demand and configured once; a
  worker process's compile directory;
- :mod:`~pybandits.engines.rewrites`: the compile mode and its graph rewrites;
- :mod:`~pybandits.engines.graph`: the PyMC model of a batch of networks, its inputs swapped per fit;
- :mod:`~pybandits.engines.advi`: the ADVI engine (many networks in one compiled graph);
- :mod:`~pybandits.engines.nuts`: the NUTS engine (nutpie or ``pm.sample``);
- :mod:`~pybandits.engines.result`: what a fit returns for one network;
- :mod:`~pybandits.engines.subtables`: only the embedding rows a batch uses are fitted;
- :mod:`~pybandits.engines.quiet`: PyMC's log lines muted in the thread that fits;
- :mod:`~pybandits.engines.cache`: the process's bounded cache of compiled engines;
- :mod:`~pybandits.engines.plan`: which networks are fitted together, in which task;
- :mod:`~pybandits.engines.fit`: the entry point (``fit_models``, ``fit_group``, ``run_group``);
- :mod:`~pybandits.engines.executors`: fits on processes, threads or a Dask cluster;
- :mod:`~pybandits.engines.trunk`: a shared trunk's training;
- :mod:`~pybandits.engines.backbone`: the fitting steps of a shared-trunk update.

Importing this package (or :mod:`~pybandits.engines.cache`, ``plan``, ``fit``, ``executors``,
``backbone``) imports no PyMC; the others import it, on the first fit.
"""

"""Lambda archives: the entry module, ``jaya_pulumi.runtime`` and the user's handler.

A handler ships by module reference when it is importable (its top-level package's sources are
copied in), and by value (pickled with dill, which is then vendored into the archive) when it lives
in ``__main__``, is a lambda or a closure, or has bound arguments (``functools.partial``).
Archives are byte-for-byte deterministic: sorted entries, fixed timestamps and permissions.

Not supported: handlers from compiled extension modules, and third-party packages that are not
pure Python unless listed in ``requirements`` (they are built into a layer instead).
"""

from jaya_pulumi.packaging._archive import (
    LambdaArchive,
    OldRuntimeWarning,
    default_runtime,
    package_function,
)

__all__ = ["LambdaArchive", "OldRuntimeWarning", "default_runtime", "package_function"]

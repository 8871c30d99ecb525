"""Builds weft.__weft, the SWIG extension of the Python binding, against an
installed libweft; pyproject.toml holds the rest of the metadata.

SWIG runs on ../weft.i with the installed headers (pkg-config weft), as the
CMake build does on the checkout's: gen_handles.py lists the handle types,
Doxygen and doxy2swig.py give the docstrings when doxygen is installed.
Environment: WEFT_INCLUDE_DIR and WEFT_LIBRARY_DIR override pkg-config,
SWIG names the swig program.
"""
import os
import re
import shutil
import subprocess
import sys
import sysconfig

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
BINDINGS = os.path.dirname(HERE)
TOP = os.path.dirname(BINDINGS)


def pkg_config(*args):
    try:
        return subprocess.run(["pkg-config", *args, "weft"], check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit("weft: libweft not found through pkg-config (install libweft-dev, "
                 "or set PKG_CONFIG_PATH or WEFT_INCLUDE_DIR/WEFT_LIBRARY_DIR): %s" % e)


def version():
    """The version of the checkout (its CMakeLists.txt), else the library's."""
    try:
        with open(os.path.join(TOP, "CMakeLists.txt"), encoding="utf-8") as f:
            return re.search(r"project\(weft VERSION ([0-9.]+)", f.read()).group(1)
    except (OSError, AttributeError):
        return pkg_config("--modversion")


INCLUDE = os.environ.get("WEFT_INCLUDE_DIR") or pkg_config("--variable=includedir")
LIBDIR = os.path.normpath(os.environ.get("WEFT_LIBRARY_DIR") or pkg_config("--variable=libdir"))
INCLUDE = os.path.normpath(INCLUDE)
# A libdir the dynamic linker searches needs no RUNPATH; any other one gets it.
SYSTEM_LIBDIRS = {"/lib", "/usr/lib", "/lib64", "/usr/lib64",
                  os.path.join("/usr/lib", sysconfig.get_config_var("MULTIARCH") or "")}


class BuildSwig(build_ext):
    """Runs SWIG (and Doxygen) before compiling, into the build folder."""

    def run(self):
        gen = os.path.join(self.build_temp, "swig")
        os.makedirs(gen, exist_ok=True)
        subprocess.run([sys.executable, os.path.join(BINDINGS, "gen_handles.py"),
                        os.path.join(INCLUDE, "weft"), os.path.join(gen, "weft_handles.i")],
                       check=True)
        docstrings = os.path.join(gen, "weft_docstrings.i")
        doxygen = shutil.which("doxygen")
        if doxygen:
            with open(os.path.join(HERE, "Doxyfile.docstrings.in"), encoding="utf-8") as f:
                text = f.read()
            text = text.replace("@WEFT_INCLUDE_DIR@", INCLUDE)
            text = text.replace("@WEFT_DOXYGEN_OUT@", os.path.join(gen, "doxygen"))
            # Only weft's own headers, not everything else in the include folder.
            text = text.replace("INPUT = %s" % INCLUDE, "INPUT = %s %s" % (
                os.path.join(INCLUDE, "weft.h"), os.path.join(INCLUDE, "weft")))
            with open(os.path.join(gen, "Doxyfile"), "w", encoding="utf-8") as f:
                f.write(text)
            subprocess.run([doxygen, os.path.join(gen, "Doxyfile")], check=True)
            subprocess.run([sys.executable, os.path.join(HERE, "doxy2swig.py"),
                            os.path.join(gen, "doxygen", "xml"), docstrings], check=True)
        else:
            with open(docstrings, "w", encoding="utf-8") as f:
                f.write("/* Doxygen not found: no docstrings. */\n")
        # SWIG's Python module weft/_weft.py goes beside the package's
        # other modules in the build folder; the C wrapper is compiled below.
        pkg = os.path.join(self.build_lib, "weft")
        os.makedirs(pkg, exist_ok=True)
        wrap = os.path.join(gen, "weft_wrap.c")
        subprocess.run([os.environ.get("SWIG") or shutil.which("swig4.0") or "swig",
                        "-python", "-builtin",
                        "-I" + BINDINGS, "-I" + gen, "-I" + HERE, "-I" + INCLUDE,
                        "-o", wrap, "-outdir", pkg, os.path.join(BINDINGS, "weft.i")],
                       check=True)
        for ext in self.extensions:
            ext.sources = [wrap if s == "weft_wrap.c" else s for s in ext.sources]
        if self.inplace:
            shutil.copy(os.path.join(pkg, "_weft.py"), os.path.join(HERE, "weft"))
        super().run()


setup(
    version=version(),
    ext_modules=[Extension(
        "weft.__weft",
        sources=["weft_wrap.c", "runtime.c"],
        include_dirs=[HERE, INCLUDE],
        library_dirs=[LIBDIR],
        libraries=["weft"],
        runtime_library_dirs=[] if LIBDIR in SYSTEM_LIBDIRS else [LIBDIR],
        # SWIG's generated C is not written to a warning set.
        extra_compile_args=["-Wno-unused-parameter", "-Wno-missing-field-initializers"],
    )],
    cmdclass={"build_ext": BuildSwig},
)

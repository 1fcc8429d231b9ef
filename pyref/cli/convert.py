"""`pyref convert-params`: the book's pickled parameters as an .npz file, once."""

from __future__ import annotations

import argparse

from pyref.cli.args import error


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `convert-params` subcommand."""
    conv = sub.add_parser(
        "convert-params",
        help="convert the book's pickled parameters (.pkl) to an .npz file",
        description="Read a pickle of a dict of numpy arrays (the book's sample_weight.pkl, "
        "params.pkl, deep_convnet_params.pkl) with pyref's restricted unpickler, which "
        "builds nothing but numpy arrays and refuses any other global, and write the "
        "same arrays, by the same names, as an .npz file (atomically). Exit status 2, "
        "with one line, if the file cannot be read or written.",
    )
    conv.add_argument("source", metavar="FILE.pkl", help="the pickle to read")
    conv.add_argument("target", metavar="FILE.npz", help="the .npz file to write")
    conv.set_defaults(func=convert_command)


def convert_command(args: argparse.Namespace) -> int:
    """Read ``args.source`` by the restricted reader, write ``args.target`` as .npz."""
    from pyref.convnet import save_param_file
    from pyref.fileio import check_output_file, read_pickle

    try:
        check_output_file(args.target, "FILE.npz")  # before any work
        arrays = read_pickle(args.source, "parameter file")
        path = save_param_file(args.target, arrays)
    except (OSError, ValueError, TypeError) as err:
        return error("convert-params", err)
    names = ", ".join(arrays)
    print(f"{path}: {len(arrays)} arrays ({names})")
    return 0

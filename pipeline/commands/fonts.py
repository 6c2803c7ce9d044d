"""`pipeline fonts`: the regional faces of PDF handouts (list them, fetch them into the cache)."""

from __future__ import annotations

import argparse

from pipeline.cli import EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fonts",
        help="list the PDF typefaces, or fetch a regional face (TC, JP, KR) into the cache",
        description="Noto Sans SC is bundled; Noto Sans TC, JP and KR (for Traditional Chinese, "
        "Japanese and Korean) are fetched once from the npm registry into the user's cache.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="each face, where it is, and whether it is installed")
    fetch = actions.add_parser("fetch", help="download faces into the cache (checked against their digest)")
    fetch.add_argument("faces", nargs="*", metavar="FACE", help="tc, jp or kr")
    fetch.add_argument("--all", action="store_true", help="every face that is not bundled")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pipeline import faces
    from pipeline.errors import UsageError

    if args.action == "list":
        for key, face in faces.FACES.items():
            try:
                where = faces.paths(key)[0]
            except faces.FaceError:
                where = "not installed: pipeline fonts fetch " + key
            print(f"{key}  {face.family:<13} {where}")
        return EXIT_OK
    keys = [k for k, f in faces.FACES.items() if f.package] if args.all else args.faces
    if not keys:
        raise UsageError("name the faces to fetch (tc, jp, kr) or give --all")
    unknown = [k for k in keys if k not in faces.FACES]
    if unknown:
        raise UsageError(f"unknown face {unknown[0]!r} (faces: {', '.join(faces.FACES)})")
    for key in keys:
        try:
            folder = faces.fetch(key)
        except faces.FaceError as exc:
            raise UsageError(str(exc)) from None
        print(f"{key}: {faces.FACES[key].family} in {folder}")
    return EXIT_OK

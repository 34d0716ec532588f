"""torch.hub's run-time names that model code imports: tqdm (the tqdm package when installed, else a silent
stand-in), the download functions, which say how to load weights offline instead, and the names download code
uses around them (HASH_REGEX, urlparse, get_dir / set_dir); load / list / help of a hubconf.py in a local directory
or in a GitHub checkout already in the hub cache, as PyTorch's without a network connection."""
import contextlib
import importlib.util
import os
import re
import sys
from urllib.parse import urlparse  # noqa: F401 - torch.hub re-exports it
try:
    from tqdm import tqdm  # noqa: F401
except ImportError:
    class tqdm:  # noqa: N801 - PyTorch's name
        """A silent progress bar: iterates over its iterable, update() and close() do nothing."""

        def __init__(self, iterable=None, *args, **kwargs):
            self.iterable = iterable

        def __iter__(self):
            return iter(self.iterable or ())

        def update(self, n=1):
            pass

        def set_description(self, *args, **kwargs):
            pass

        def set_postfix(self, *args, **kwargs):
            pass

        def close(self):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False


def load_state_dict_from_url(url, *args, **kwargs):
    raise RuntimeError(f"nn.hub: nn downloads nothing; fetch {url} yourself, then load it with "
                       f"model.load_state_dict(nn.load(path))")


download_url_to_file = load_state_dict_from_url

# What download code imports beside the downloads (timm's _hub.py: the hash in a checkpoint's file name, the cache).
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
_hub_dir = None


def _get_torch_home():
    """$TORCH_HOME, else $XDG_CACHE_HOME/torch, else ~/.cache/torch (PyTorch's rule; nothing is created)."""
    return os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "torch")))


def get_dir():
    """The hub cache folder: set_dir's, else <torch home>/hub."""
    return _hub_dir if _hub_dir is not None else os.path.join(_get_torch_home(), "hub")


def set_dir(d):
    global _hub_dir
    _hub_dir = os.path.expanduser(d)


MODULE_HUBCONF = "hubconf.py"
VAR_DEPENDENCY = "dependencies"


def _parse_repo_info(github):
    """'owner/name[:ref]' -> (owner, name, ref). Without a ref PyTorch asks GitHub for the default branch and, with
    no connection (nn's case), takes a cached main, else master, checkout; with neither it raises its words."""
    repo_info, ref = github.split(":") if ":" in github else (github, None)
    repo_owner, repo_name = repo_info.split("/")
    if ref is None:
        ref = next((r for r in ("main", "master") if os.path.exists(f"{get_dir()}/{repo_owner}_{repo_name}_{r}")),
                   None)
        if ref is None:
            raise RuntimeError("It looks like there is no internet connection and the repo could not be found in "
                               f"the cache ({get_dir()})")
    return repo_owner, repo_name, ref


_TRUSTED_REPO_OWNERS = ("facebookresearch", "facebookincubator", "pytorch", "fairinternal")   # PyTorch's


def _check_repo_is_trusted(repo_owner, repo_name, owner_name_branch, trust_repo):
    """PyTorch's trust check: a repo listed in <hub dir>/trusted_list, already checked out in the hub dir, or of one
    of _TRUSTED_REPO_OWNERS is trusted; trust_repo=False (or "check" for an untrusted repo) asks on stdin."""
    hub_dir = get_dir()
    filepath = os.path.join(hub_dir, "trusted_list")
    if not os.path.exists(filepath):
        open(filepath, "a").close()
    with open(filepath) as file:
        trusted_repos = tuple(line.strip() for line in file)
    owner_name = "_".join([repo_owner, repo_name])
    is_trusted = (owner_name in trusted_repos or owner_name_branch in next(os.walk(hub_dir))[1]
                  or repo_owner in _TRUSTED_REPO_OWNERS)
    if (trust_repo is False) or (trust_repo == "check" and not is_trusted):
        response = input(
            f"The repository {owner_name} does not belong to the list of trusted repositories and as such cannot be "
            "downloaded. Do you trust this repository and wish to add it to the trusted list of repositories (y/N)?")
        if response.lower() in ("y", "yes"):
            if is_trusted:
                print("The repository is already trusted.")
        elif response.lower() in ("n", "no", ""):
            raise Exception("Untrusted repository.")  # noqa: TRY002 - PyTorch's type
        else:
            raise ValueError(f"Unrecognized response {response}.")
    if not is_trusted:
        with open(filepath, "a") as file:
            file.write(owner_name + "\n")


def _get_cache_or_reload(github, force_reload, trust_repo, verbose=True, skip_validation=False):
    """The checkout of github ('owner/name[:ref]') in the hub cache, <hub dir>/<owner>_<name>_<ref> (a '/' in ref
    as '_'), as PyTorch's finds it; a repo not there (or force_reload) would be downloaded: nn says so instead."""
    hub_dir = get_dir()
    os.makedirs(hub_dir, exist_ok=True)
    repo_owner, repo_name, ref = _parse_repo_info(github)
    owner_name_branch = "_".join([repo_owner, repo_name, ref.replace("/", "_")])
    repo_dir = os.path.join(hub_dir, owner_name_branch)
    _check_repo_is_trusted(repo_owner, repo_name, owner_name_branch, trust_repo=trust_repo)
    if force_reload or not os.path.exists(repo_dir):
        raise RuntimeError(f"nn.hub: nn downloads nothing; check out https://github.com/{repo_owner}/{repo_name} "
                           f"(ref {ref}) into {repo_dir} yourself, or load it with source='local'")
    if verbose:
        sys.stderr.write(f"Using cache found in {repo_dir}\n")
    return repo_dir


@contextlib.contextmanager
def _add_to_sys_path(path):
    sys.path.insert(0, path)
    try:
        yield
    finally:
        sys.path.remove(path)


def _import_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None:
        raise AssertionError(f"failed to load spec from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _load_attr_from_module(module, func_name):
    return getattr(module, func_name) if func_name in dir(module) else None


def _load_entry_from_hubconf(m, model):
    """The callable named model in hubconf module m, after its `dependencies` are checked (PyTorch's words)."""
    if not isinstance(model, str):
        raise ValueError("Invalid input: model should be a string of function name")
    dependencies = _load_attr_from_module(m, VAR_DEPENDENCY)
    missing = [pkg for pkg in dependencies or () if importlib.util.find_spec(pkg) is None]
    if missing:
        raise RuntimeError(f"Missing dependencies: {', '.join(missing)}")
    func = _load_attr_from_module(m, model)
    if func is None or not callable(func):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return func


def _hubconf_dir(repo_or_dir, source, force_reload, trust_repo, verbose, skip_validation):
    source = source.lower()
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    if source == "github":
        return _get_cache_or_reload(repo_or_dir, force_reload, trust_repo, verbose=verbose,
                                    skip_validation=skip_validation)
    return repo_or_dir


def load(repo_or_dir, model, *args, source="github", trust_repo="check", force_reload=False, verbose=True,
         skip_validation=False, **kwargs):
    """torch.hub.load: model(*args, **kwargs), model an entrypoint of the hubconf.py of a local directory
    (source='local') or of a GitHub repo 'owner/name[:ref]' already checked out in the hub cache (get_dir());
    the hubconf's own directory is on sys.path while it is imported and called, as PyTorch's."""
    hubconf_dir = _hubconf_dir(repo_or_dir, source, force_reload, trust_repo, verbose, skip_validation)
    with _add_to_sys_path(hubconf_dir):
        hub_module = _import_module(MODULE_HUBCONF, os.path.join(hubconf_dir, MODULE_HUBCONF))
        entry = _load_entry_from_hubconf(hub_module, model)
        return entry(*args, **kwargs)


def list(github, force_reload=False, skip_validation=False, trust_repo="check", verbose=True):  # noqa: A001 - PyTorch's
    """torch.hub.list: the names of the callable entrypoints of a cached repo's hubconf.py (not starting with _)."""
    repo_dir = _get_cache_or_reload(github, force_reload, trust_repo, verbose=verbose, skip_validation=skip_validation)
    with _add_to_sys_path(repo_dir):
        hub_module = _import_module(MODULE_HUBCONF, os.path.join(repo_dir, MODULE_HUBCONF))
    return [f for f in dir(hub_module) if callable(getattr(hub_module, f)) and not f.startswith("_")]


def help(github, model, force_reload=False, skip_validation=False, trust_repo="check"):  # noqa: A001 - PyTorch's
    """torch.hub.help: the docstring of a cached repo's entrypoint model."""
    repo_dir = _get_cache_or_reload(github, force_reload, trust_repo, verbose=True, skip_validation=skip_validation)
    with _add_to_sys_path(repo_dir):
        hub_module = _import_module(MODULE_HUBCONF, os.path.join(repo_dir, MODULE_HUBCONF))
    return _load_entry_from_hubconf(hub_module, model).__doc__

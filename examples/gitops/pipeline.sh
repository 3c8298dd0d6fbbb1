#!/bin/sh
# The GitOps pipeline's logic, one step per call, so it runs the same in GitHub Actions and on a
# laptop (README.md). The workflow (.github/workflows/unikernel.yml) only calls these steps and
# Pulumi's own actions.
#
#   pipeline.sh validate                 check the application (Kraftfile/ops config, if any)
#   pipeline.sh build                    build once: pull from the registry when it has this build,
#                                        else build and push; prints package=<ref@sha256:...>,
#                                        digest=, kernel= (the local file) and pulled=true|false
#   pipeline.sh prepare <stack> <ref>    pull the kernel by digest and set it in the stack's config
#   pipeline.sh prepare-local <stack> <kernel>   a pull request's preview: its own build, unpublished
#   pipeline.sh deploy <stack> <ref>     prepare, then `pulumi up` (what the workflow's action does)
#
# Environment: REGISTRY (<registry>/<repository>, required for build), REGISTRY_INSECURE=1 (a
# registry on loopback), REGISTRY_PULL_ONLY=1 (look up, never push: pull requests), REQUIRE_PULLED=1
# (fail unless the build came from the registry: promotion of what main built), APP_DIR (default
# ../hello-kernel), UNIKERNEL (default: npx unikernel), WORK_DIR (where pulled kernels go; default
# .pipeline), GITHUB_OUTPUT (set by Actions).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
app=${APP_DIR:-$here/../hello-kernel}
work=${WORK_DIR:-$here/.pipeline}
mkdir -p "$work"
work=$(cd "$work" && pwd) # absolute: the deploy steps run in deploy/
unikernel=${UNIKERNEL:-npx --no-install unikernel}
insecure=""
[ "${REGISTRY_INSECURE:-}" = 1 ] && insecure=1

# One line of `key=value` for the next step: GitHub's step outputs, and stdout for people.
output() {
    echo "$1"
    if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "$1" >>"$GITHUB_OUTPUT"; fi
}

# A reference by digest only: promotion never deploys a tag that may have moved.
check_ref() {
    if ! printf '%s' "$1" | grep -Eq '^[^@[:space:]]+@sha256:[0-9a-f]{64}$'; then
        echo "pipeline: $1 is not <registry>/<repository>@sha256:<digest>" >&2
        exit 2
    fi
}

# A stack name as Pulumi allows it (it also names a directory here).
check_stack() {
    if ! printf '%s' "$1" | grep -Eq '^[A-Za-z0-9_.-]{1,100}$'; then
        echo "pipeline: $1 is not a stack name" >&2
        exit 2
    fi
}

# A top-level field of the JSON object in $result ("" when absent; node is there: npm is).
field() {
    printf '%s' "$result" | node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];process.stdout.write(v===undefined?"":String(v))})' "$1"
}

step=${1:-}
case "$step" in
validate)
    # A Kraftfile or ops config is checked (with file:line for each problem); a make project has
    # none, and its build is its check.
    for f in Kraftfile kraft.yaml kraft.yml Kraftfile.yaml Kraftfile.yml config.json; do
        if [ -f "$app/$f" ]; then
            $unikernel validate "$app"
            exit
        fi
    done
    echo "pipeline: $app has no Kraftfile or ops config to validate; the build checks it"
    ;;
build)
    : "${REGISTRY:?set REGISTRY to <registry>/<repository>}"
    pull_only=""
    [ "${REGISTRY_PULL_ONLY:-}" = 1 ] && pull_only=1
    result=$($unikernel build "$app" --engine make --kernel-path build/hello.elf --family bare \
        --registry "$REGISTRY" ${insecure:+--registry-insecure} ${pull_only:+--registry-pull-only} --json)
    # Each on its own line: under `set -e` a failure inside an argument's $(...) would pass unseen.
    package=$(field package)
    digest=$(field digest)
    kernel=$(field kernel)
    pulled=$(field pulled)
    [ -n "$digest" ] && [ -n "$kernel" ] || { echo "pipeline: build printed no digest or kernel" >&2; exit 1; }
    if [ "${REQUIRE_PULLED:-}" = 1 ] && [ "$pulled" != true ] && [ -z "$package" ]; then
        echo "pipeline: $digest is not in $REGISTRY: build it on main first (promotion deploys only what main built)" >&2
        exit 1
    fi
    output "package=$package"
    output "digest=$digest"
    output "kernel=$kernel"
    output "pulled=${pulled:-false}"
    ;;
prepare-local)
    stack=${2:?usage: pipeline.sh prepare-local <stack> <kernel file>}
    kernel=${3:?usage: pipeline.sh prepare-local <stack> <kernel file>}
    check_stack "$stack"
    cd "$here/deploy"
    pulumi stack select --create "$stack" >/dev/null
    pulumi config set kernelPath "$kernel"
    pulumi config set package "unpublished (a pull request's own build)"
    ;;
prepare | deploy)
    stack=${2:?usage: pipeline.sh $step <stack> <package ref>}
    ref=${3:?usage: pipeline.sh $step <stack> <package ref>}
    check_stack "$stack"
    check_ref "$ref"
    mkdir -p "$work/$stack"
    $unikernel pull "$ref" --role kernel --out "$work/$stack/kernel" ${insecure:+--insecure} --json >/dev/null
    cd "$here/deploy"
    pulumi stack select --create "$stack" >/dev/null
    pulumi config set kernelPath "$work/$stack/kernel"
    pulumi config set package "$ref"
    if [ "$step" = deploy ]; then
        pulumi up --yes --skip-preview --stack "$stack"
    fi
    ;;
*)
    echo "usage: pipeline.sh validate | build | prepare <stack> <ref> | prepare-local <stack> <kernel> | deploy <stack> <ref>" >&2
    exit 2
    ;;
esac

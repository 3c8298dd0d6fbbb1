#!/bin/sh
# The GitOps pipeline's logic, one step per call, so it runs the same in GitHub Actions and on a
# laptop (README.md). The workflow (.github/workflows/unikernel.yml) only calls these steps and
# Pulumi's own actions.
#
#   pipeline.sh validate                 check the application (Kraftfile/ops config, if any)
#   pipeline.sh build                    build once: pull from the registry when it has this build,
#                                        else build and push; prints package=<ref@sha256:...>
#   pipeline.sh prepare <stack> <ref>    pull the kernel by digest and set it in the stack's config
#   pipeline.sh deploy <stack> <ref>     prepare, then `pulumi up` (what the workflow's action does)
#
# Environment: REGISTRY (<registry>/<repository>, required for build), REGISTRY_INSECURE=1 (a
# registry on loopback), APP_DIR (default ../hello-kernel), UNIKERNEL (default: npx unikernel),
# WORK_DIR (where pulled kernels go; default .pipeline), GITHUB_OUTPUT (set by Actions).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
app=${APP_DIR:-$here/../hello-kernel}
work=${WORK_DIR:-$here/.pipeline}
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
    case "$1" in
    *@sha256:????????????????????????????????????????????????????????????????) ;;
    *)
        echo "pipeline: $1 is not <registry>/<repository>@sha256:<digest>" >&2
        exit 2
        ;;
    esac
}

# The value of a top-level string field of the one JSON object on stdin (node is there: npm is).
field() {
    node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];if(typeof v!=="string")process.exit(1);process.stdout.write(v)})' "$1"
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
    result=$($unikernel build "$app" --engine make --kernel-path build/hello.elf --family bare \
        --registry "$REGISTRY" ${insecure:+--registry-insecure} --json)
    output "package=$(printf '%s' "$result" | field package)"
    output "digest=$(printf '%s' "$result" | field digest)"
    ;;
prepare | deploy)
    stack=${2:?usage: pipeline.sh $step <stack> <package ref>}
    ref=${3:?usage: pipeline.sh $step <stack> <package ref>}
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
    echo "usage: pipeline.sh validate | build | prepare <stack> <ref> | deploy <stack> <ref>" >&2
    exit 2
    ;;
esac

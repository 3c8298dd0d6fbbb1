/**
 * PrivateHostService under mocks: the SSH command children and the scripts they run.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { uk, opts, construct, rejects, shape, writtenFiles } from "../../helpers/componentHarness";
import { resolved, unwrap } from "../../helpers/mocks";

describe("PrivateHostService", () => {
    const base = {
        host: "127.0.0.1",
        privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----",
        hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG",
        diskPath: "/cache/disks/app.img",
        digest: "9".repeat(64),
    };

    it("copies the image and installs the service over SSH with the host key verified and the key secret", async () => {
        const { component, children } = await construct(
            () => new uk.PrivateHostService("edge", { ...base, ports: [{ port: 8080 }], readyPattern: "ready" }, opts),
        );
        assert.deepEqual(shape(children), [
            "command:remote:Command edge-prepare",
            "command:remote:CopyToRemote edge-copy",
            "command:remote:Command edge",
        ]);
        // SFTP makes no parent directories: the state directory is made before the copy.
        const service = await unwrap(component.serviceName);
        assert.match(service, /^edge-[0-9a-f]{8}$/, "named after the component and a hash of its URN");
        assert.equal(await resolved(children[0].inputs.create), `mkdir -p /var/lib/unikernel/${service}`);
        const copy = await resolved(children[1].inputs);
        assert.equal(copy.connection.hostKey, base.hostKey);
        assert.equal(copy.remotePath, `/var/lib/unikernel/${service}/image-9999999999999999.img`);
        assert.ok(pulumi.Output.isInstance(children[2].inputs.connection.privateKey));
        assert.equal(
            await (children[2].inputs.connection.privateKey as unknown as { isSecret: Promise<boolean> }).isSecret,
            true,
        );
        const create: string = await resolved(children[2].inputs.create);
        const files = writtenFiles(create);
        // always: the watchdog stops QEMU with TERM, which QEMU ends with status 0.
        assert.match(files, /Restart=always/);
        assert.match(files, /hostfwd=tcp::8080-:8080/);
        assert.match(create, /grep -qE -e ready -- /);
        const remove: string = await resolved(children[2].inputs.delete);
        assert.ok(remove.includes(`systemctl disable --now unikernel-${service}.service`), remove);
        assert.ok(
            remove.includes(`/var/lib/unikernel/${service}/image-9999999999999999.img`),
            "removes the image it ran, not the whole directory",
        );
        assert.equal(await unwrap(component.runMode), "systemd");
        assert.equal(
            await unwrap(component.consoleCommand),
            `ssh -p 22 root@127.0.0.1 'tail -f -- /var/lib/unikernel/${service}/console.log'`,
        );
    });

    it("waits for a ready port and installs a watchdog on a declared port", async () => {
        const { children } = await construct(
            () =>
                new uk.PrivateHostService(
                    "watched",
                    {
                        ...base,
                        ports: [{ port: 8080 }],
                        readyPort: 8080,
                        watchdog: { port: 8080, intervalSeconds: 5 },
                    },
                    opts,
                ),
        );
        const create: string = await resolved(children[2].inputs.create);
        assert.match(create, /until bash \/var\/lib\/unikernel\/watched-[0-9a-f]{8}\/probe\.sh 8080/);
        assert.match(
            writtenFiles(create),
            /Watchdog of unikernel watched-[0-9a-f]{8}: port 8080, every 5 s, restart after 3 misses/,
            "the watchdog script, written from base64",
        );
        assert.match(create, /unikernel-watched-[0-9a-f]{8}-watchdog\.service/);
        assert.match(
            await resolved(children[2].inputs.delete),
            /systemctl disable --now unikernel-watched-[0-9a-f]{8}-watchdog\.service/,
        );
    });

    it("writes its metrics for node_exporter's textfile collector, and removes the writer and its file", async () => {
        const { component, children } = await construct(
            () =>
                new uk.PrivateHostService(
                    "measured",
                    { ...base, metrics: { textfileDirectory: "/var/lib/node_exporter/textfile_collector" } },
                    opts,
                ),
        );
        const service = await unwrap(component.serviceName);
        const file = `/var/lib/node_exporter/textfile_collector/unikernel_${service}.prom`;
        assert.equal(await unwrap(component.metricsFile), file);
        const create: string = await resolved(children[2].inputs.create);
        const files = writtenFiles(create);
        assert.match(
            files,
            new RegExp(`# Metrics of unikernel ${service} for node_exporter's textfile collector, every 15 s`),
        );
        assert.match(files, /unikernel_vcpu_seconds_total/);
        assert.match(create, new RegExp(`unikernel-${service}-metrics\\.service`));
        const remove: string = await resolved(children[2].inputs.delete);
        assert.ok(remove.includes(`systemctl disable --now unikernel-${service}-metrics.service`), remove);
        // Found by the record the install keeps, so a later spec without metrics still removes it.
        assert.ok(create.includes(`printf '%s\\n' ${file} > /var/lib/unikernel/${service}/metrics-file`), create);
        assert.ok(remove.includes(`old=$(cat /var/lib/unikernel/${service}/metrics-file`), remove);
        const plain = await construct(() => new uk.PrivateHostService("unmeasured", base, opts));
        assert.equal(await unwrap(plain.component.metricsFile), undefined);
    });

    it("refuses a metrics directory that is relative or a directory of the system, and a zero interval", () =>
        rejects(
            () =>
                new uk.PrivateHostService(
                    "badmetrics",
                    { ...base, metrics: { textfileDirectory: "/var/lib", intervalSeconds: 0 } },
                    opts,
                ),
            ["metrics.textfileDirectory", "metrics.intervalSeconds"],
        ));

    it("refuses a ready port and a watchdog port that are not declared, and a zero interval", () =>
        rejects(
            () =>
                new uk.PrivateHostService(
                    "w",
                    {
                        ...base,
                        ports: [{ port: 80 }],
                        readyPort: 81,
                        watchdog: { port: 82, intervalSeconds: 0 },
                    },
                    opts,
                ),
            ["readyPort", "watchdog.port", "watchdog.intervalSeconds"],
            /declared TCP ports \(80\)/,
        ));

    it("refuses a missing host key, a disk for Firecracker and a relative state directory", () =>
        rejects(
            () =>
                new uk.PrivateHostService(
                    "bad",
                    {
                        ...base,
                        hostKey: "",
                        hypervisor: uk.Hypervisor.Firecracker,
                        stateDirectory: "relative",
                    },
                    opts,
                ),
            ["hostKey", "hypervisor", "stateDirectory"],
            /ssh-keyscan/,
        ));

    it("copies a kernel given as kernelPath and runs it under Firecracker", async () => {
        const { diskPath: _disk, ...kernelOnly } = base;
        const { children } = await construct(
            () =>
                new uk.PrivateHostService(
                    "fc",
                    {
                        ...kernelOnly,
                        kernelPath: "/cache/kernels/app.elf",
                        hypervisor: uk.Hypervisor.Firecracker,
                        cmdline: "-- /app",
                    },
                    opts,
                ),
        );
        const copy = await resolved(children[1].inputs);
        assert.match(copy.remotePath, /\/image-9999999999999999\.kernel$/);
        assert.equal((await resolved(copy.source)).path, "/cache/kernels/app.elf");
        assert.match(await resolved(children[2].inputs.create), /firecracker/);
    });

    it("refuses both a disk and a kernel, and neither", async () => {
        await rejects(
            () => new uk.PrivateHostService("both", { ...base, kernelPath: "/k" }, opts),
            ["kernelPath"],
            /exactly one of `diskPath` and `kernelPath`/,
        );
        const { diskPath: _disk, ...neither } = base;
        await rejects(() => new uk.PrivateHostService("neither", neither, opts), ["diskPath"], /exactly one/);
    });

    it("refuses values no script or unit could carry, each with its path, before anything exists", () =>
        rejects(
            () =>
                new uk.PrivateHostService(
                    "hostile",
                    {
                        ...base,
                        host: "-oProxyCommand=touch /tmp/pwned",
                        user: "root;id",
                        stateDirectory: "/var/lib/x\nExecStartPre=/bin/touch /tmp/pwned",
                        readyPattern: "ready\n-f/etc/shadow",
                        cmdline: "console=ttyS0\nUNIKERNEL_EOF",
                    },
                    opts,
                ),
            ["host", "user", "stateDirectory", "readyPattern", "cmdline"],
            /line feed \(U\+000A\)/,
        ));

    it("refuses a bad SSH port, a host key with a second line, a digest that is a path, and values past their bounds", () =>
        rejects(
            () =>
                new uk.PrivateHostService(
                    "bounds",
                    {
                        ...base,
                        sshPort: 0,
                        hostKey: `${base.hostKey}\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE attacker`,
                        digest: "../../etc/passwd",
                        memoryMiB: 4 * 1024 * 1024,
                        readyTimeoutSeconds: 10 ** 9,
                        watchdog: { port: 80, intervalSeconds: 10 ** 6, failures: 10 ** 6 },
                        ports: [{ port: 80 }],
                    },
                    opts,
                ),
            [
                "sshPort",
                "hostKey",
                "digest",
                "memoryMiB",
                "readyTimeoutSeconds",
                "watchdog.intervalSeconds",
                "watchdog.failures",
            ],
            /from 1 to 65535/,
        ));

    it("refuses a state directory that climbs, is the root, or is a directory of the system", async () => {
        for (const stateDirectory of [
            "/var/lib/../../etc",
            "/",
            "/var/lib/x/",
            "/etc",
            "/tmp",
            "/var/lib",
            "/usr",
            "/home",
            "/proc/1",
            "/sys/kernel",
            "/dev/shm",
            "/etc/systemd/system",
        ]) {
            await rejects(
                () => new uk.PrivateHostService(`dir${stateDirectory.length}`, { ...base, stateDirectory }, opts),
                ["stateDirectory"],
                /without "\." or "\.\." segments/,
            );
        }
    });

    it("quotes an odd but valid state directory everywhere it goes", async () => {
        const { children } = await construct(
            () =>
                new uk.PrivateHostService("odd", { ...base, stateDirectory: "/srv/$(touch pwned) `x` 'q' 100%" }, opts),
        );
        const create: string = await resolved(children[2].inputs.create);
        assert.ok(create.includes("mkdir -p '/srv/$(touch pwned) `x` '\\''q'\\'' 100%'"), create.slice(0, 2000));
        const unit = [...create.matchAll(/printf '%s' '([A-Za-z0-9+/=]+)' \| base64 -d > \/etc\/systemd/g)].map((m) =>
            Buffer.from(m[1], "base64").toString("utf8"),
        )[0];
        assert.match(unit, /^ExecStart="\/bin\/sh" "\/srv\/\$\$\(touch pwned\) `x` 'q' 100%%\/vm\.sh"$/m);
    });
});

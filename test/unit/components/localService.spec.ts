/**
 * LocalService under mocks: the detached QEMU run and its stop on delete.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { uk, opts, construct, rejects, shape } from "../../helpers/componentHarness";
import { resolved, unwrap } from "../../helpers/mocks";
import { argvOfCommand } from "../../../src/contract/command";

describe("LocalService", () => {
    it("runs QEMU in the background with a pidfile, and stops it on delete", async () => {
        const { component, children } = await construct(
            () =>
                new uk.LocalService(
                    "local",
                    {
                        diskPath: "/cache/disks/app.img",
                        digest: "7".repeat(64),
                        readyPattern: "Hello",
                        ports: [{ port: 8080 }],
                    },
                    opts,
                ),
        );
        assert.deepEqual(shape(children), ["command:local:Command local"]);
        const create: string = await resolved(children[0].inputs.create);
        // State under <cache>/local/<project>/<stack>/<name>-<hash of the URN>: another stack's "local" has its own.
        assert.match(
            create,
            / run --disk \/cache\/disks\/app\.img --arch x86_64 --memory 64M --port tcp:8080:8080 --expect Hello --timeout 120 --detach --pidfile \S+\/local\/project\/stack\/local-[0-9a-f]{8}\/qemu\.pid --console \S+\/local-[0-9a-f]{8}\/console\.log --json$/,
        );
        assert.match(
            await resolved(children[0].inputs.delete),
            / stop --pidfile \S+\/local\/project\/stack\/local-[0-9a-f]{8}\/qemu\.pid$/,
        );
        assert.deepEqual(await resolved(children[0].inputs.triggers), ["7".repeat(64)]);
        assert.deepEqual(await unwrap(component.urls), ["http://127.0.0.1:8080"]);
        assert.equal(await unwrap(component.bootMs), 420);
        // Its counters, from outside the guest, for a textfile collector: the pidfile the run reported.
        assert.deepEqual(argvOfCommand(await unwrap(component.statsCommand)), [
            "stats",
            "--pidfile",
            "/cache/local/app/qemu.pid",
            "--name",
            "local",
            "--prometheus",
        ]);
    });

    it("refuses both a disk and a kernel, and a bad pattern", () =>
        rejects(
            () =>
                new uk.LocalService(
                    "bad",
                    {
                        diskPath: "/d",
                        kernelPath: "/k",
                        digest: "1",
                        readyPattern: "(",
                    },
                    opts,
                ),
            ["kernelPath", "readyPattern"],
        ));

    it("refuses line breaks in what goes to QEMU and the command line", () =>
        rejects(
            () =>
                new uk.LocalService(
                    "nl",
                    {
                        kernelPath: "/k\n",
                        cmdline: "a\u2028b",
                        digest: "1",
                    },
                    opts,
                ),
            ["cmdline", "kernelPath"],
            /line separator \(U\+2028\)/,
        ));

    it("keeps two components of one name apart when their URNs differ (another stack, another parent)", async () => {
        const { stackScopedName } =
            require("../../../src/components/stackScope") as typeof import("../../../src/components/stackScope");
        const a = await unwrap(
            stackScopedName("web", pulumi.output("urn:pulumi:dev::app::pulumi-unikernel:index:LocalService::web")),
        );
        const b = await unwrap(
            stackScopedName("web", pulumi.output("urn:pulumi:prod::app::pulumi-unikernel:index:LocalService::web")),
        );
        const odd = await unwrap(stackScopedName("../../etc", pulumi.output("urn:x")));
        assert.match(a, /^web-[0-9a-f]{8}$/);
        assert.notEqual(a, b);
        assert.match(odd, /^etc-[0-9a-f]{8}$/, "a name never escapes the state directory");
    });
});

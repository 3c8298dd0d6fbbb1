/**
 * GcpService under mocks: network, firewall, instances or group.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { uk, opts, construct, rejects, shape } from "../../helpers/componentHarness";
import { resolved, unwrap } from "../../helpers/mocks";

describe("GcpService", () => {
    it("public: an external address, serial logging, and a firewall rule per declared port", async () => {
        const { component, children } = await construct(
            () =>
                new uk.GcpService(
                    "svc",
                    {
                        image: "img",
                        kernelFamily: uk.KernelFamily.Unikraft,
                        machineType: "e2-small",
                        zone: "us-central1-a",
                        ports: [{ port: 8080 }],
                    },
                    opts,
                ),
        );
        assert.deepEqual(shape(children), [
            "gcp:compute/network:Network svc-net",
            "gcp:compute/subnetwork:Subnetwork svc-subnet",
            "gcp:compute/firewall:Firewall svc-tcp-8080",
            "gcp:compute/instance:Instance svc",
        ]);
        const fw = await resolved(children[2].inputs);
        assert.deepEqual([fw.allows, fw.sourceRanges], [[{ protocol: "tcp", ports: ["8080"] }], ["0.0.0.0/0"]]);
        // The rule selects this component's instances by a tag of its own (name + URN hash), never a bare "svc"
        // another stack or someone's VM could carry.
        assert.equal(fw.targetTags.length, 1);
        assert.match(fw.targetTags[0], /^svc-[0-9a-f]{8}$/);
        const instance = await resolved(children[3].inputs);
        assert.deepEqual(instance.tags, fw.targetTags);
        assert.equal(
            await unwrap(component.consoleCommand),
            `gcloud compute instances get-serial-port-output svc --zone us-central1-a`,
        );
        assert.deepEqual(instance.networkInterfaces[0].accessConfigs, [{}]);
        assert.equal(instance.metadata["serial-port-logging-enable"], "TRUE");
        assert.deepEqual(await unwrap(component.urls), ["http://198.51.100.7:8080"]);
    });

    it("labels instances (and a template's instances) with the image's digest and provenance, in GCE's label rules", async () => {
        for (const replicas of [1, 2]) {
            const { children } = await construct(
                () =>
                    new uk.GcpService(
                        `prov${replicas}`,
                        {
                            image: "img",
                            imageDigest: "e".repeat(64),
                            provenance: { sourceRevision: "A".repeat(40), sourceDirty: true, engine: "kraft 0.11.6" },
                            kernelFamily: uk.KernelFamily.Unikraft,
                            machineType: "e2-small",
                            zone: "us-central1-a",
                            replicas,
                            ports: [{ port: 8080 }],
                        },
                        opts,
                    ),
            );
            const machine = children.find((c) =>
                /compute\/(instance:Instance|instanceTemplate:InstanceTemplate)$/.test(c.type),
            )!;
            const { labels } = await resolved(machine.inputs);
            assert.equal(labels["unikernel-digest"], "e".repeat(16));
            assert.equal(labels["unikernel-source-revision"], "a".repeat(40));
            assert.equal(labels["unikernel-source-dirty"], "true");
            assert.equal(labels["unikernel-engine"], "kraft-0-11-6");
            assert.equal(labels["unikernel-service"], `prov${replicas}`);
        }
    });

    it("private: no external address; rules admit only the subnetwork", async () => {
        const { children } = await construct(
            () =>
                new uk.GcpService(
                    "priv",
                    {
                        image: "img",
                        kernelFamily: uk.KernelFamily.Unikraft,
                        machineType: "n2-standard-2",
                        zone: "europe-west1-b",
                        environment: uk.Environment.Private,
                        ports: [{ port: 9000 }],
                    },
                    opts,
                ),
        );
        const fw = await resolved(children[2].inputs);
        assert.deepEqual(fw.sourceRanges, ["10.10.0.0/24"]);
        const deny = await resolved(children.find((c) => c.name === "priv-egress-deny")!.inputs);
        assert.deepEqual(
            [deny.direction, deny.priority, deny.denies, deny.destinationRanges],
            ["EGRESS", 65000, [{ protocol: "all" }], ["0.0.0.0/0"]],
        );
        assert.deepEqual(deny.targetTags, fw.targetTags);
        assert.match(deny.targetTags[0], /^priv-[0-9a-f]{8}$/);
        const allow = await resolved(children.find((c) => c.name === "priv-egress")!.inputs);
        assert.deepEqual(
            [allow.direction, allow.priority, allow.destinationRanges],
            ["EGRESS", 1000, ["10.10.0.0/24"]],
            "outbound to its subnetwork only",
        );
        assert.deepEqual(
            (await resolved(children.find((c) => c.type === "gcp:compute/instance:Instance")!.inputs))
                .networkInterfaces[0].accessConfigs,
            [],
        );
    });

    it("several replicas: an instance template and a managed instance group", async () => {
        const { children } = await construct(
            () =>
                new uk.GcpService(
                    "mig",
                    {
                        image: "img",
                        kernelFamily: uk.KernelFamily.Nanos,
                        machineType: "c3-standard-4",
                        zone: "us-central1-a",
                        replicas: 3,
                    },
                    opts,
                ),
        );
        assert.deepEqual(shape(children).slice(-2), [
            "gcp:compute/instanceTemplate:InstanceTemplate mig-template",
            "gcp:compute/instanceGroupManager:InstanceGroupManager mig",
        ]);
        assert.equal((await resolved(children[children.length - 1].inputs)).targetSize, 3);
    });

    it("two services of one name under different parents (so different URNs) get different network tags", async () => {
        const tags: string[] = [];
        for (const parentName of ["a", "b"]) {
            // A URN names the parent's type chain, not its name: different types give different URNs.
            const parent = new pulumi.ComponentResource(`test:index:Parent${parentName}`, parentName, {});
            const { children } = await construct(
                () =>
                    new uk.GcpService(
                        "web",
                        {
                            image: "img",
                            kernelFamily: uk.KernelFamily.Nanos,
                            machineType: "e2-small",
                            zone: "us-central1-a",
                            ports: [{ port: 80 }],
                        },
                        { ...opts, parent },
                    ),
            );
            tags.push(
                (await resolved(children.find((c) => c.type === "gcp:compute/firewall:Firewall")!.inputs))
                    .targetTags[0],
            );
        }
        assert.match(tags[0], /^web-[0-9a-f]{8}$/);
        assert.notEqual(tags[0], tags[1]);
    });

    it("managed instance group with autohealing: a TCP health check on the port, reachable from Google's checkers only", async () => {
        const { children } = await construct(
            () =>
                new uk.GcpService(
                    "heal",
                    {
                        image: "img",
                        kernelFamily: uk.KernelFamily.Nanos,
                        machineType: "e2-small",
                        zone: "us-central1-a",
                        replicas: 2,
                        ports: [{ port: 8080 }],
                        monitoring: { autohealingPort: 8080, initialDelaySeconds: 120 },
                    },
                    opts,
                ),
        );
        const check = await resolved(children.find((c) => c.type === "gcp:compute/healthCheck:HealthCheck")!.inputs);
        assert.equal(check.tcpHealthCheck.port, 8080);
        const fw = await resolved(children.find((c) => c.name === "heal-healthcheck")!.inputs);
        assert.deepEqual(
            [fw.allows, fw.sourceRanges],
            [[{ protocol: "tcp", ports: ["8080"] }], ["35.191.0.0/16", "130.211.0.0/22"]],
        );
        assert.match(fw.targetTags[0], /^heal-[0-9a-f]{8}$/);
        const template = await resolved(
            children.find((c) => c.type === "gcp:compute/instanceTemplate:InstanceTemplate")!.inputs,
        );
        assert.deepEqual(template.tags, fw.targetTags, "the health-check rule reaches the group's instances");
        const group = await resolved(
            children.find((c) => c.type === "gcp:compute/instanceGroupManager:InstanceGroupManager")!.inputs,
        );
        assert.equal(group.autoHealingPolicies.initialDelaySec, 120);
        assert.ok(group.autoHealingPolicies.healthCheck);
    });

    it("refuses autohealing on a single instance and on an undeclared port", () =>
        rejects(
            () =>
                new uk.GcpService(
                    "one",
                    {
                        image: "img",
                        kernelFamily: uk.KernelFamily.Nanos,
                        machineType: "e2-small",
                        zone: "us-central1-a",
                        ports: [{ port: 80 }],
                        monitoring: { autohealingPort: 81 },
                    },
                    opts,
                ),
            ["monitoring.autohealingPort", "monitoring.autohealingPort"],
            /managed instance groups[\s\S]*declared TCP ports \(80\)/,
        ));

    it("refuses a Unikraft image on a gVNIC-only series", () =>
        rejects(
            () =>
                new uk.GcpService(
                    "c3",
                    {
                        image: "img",
                        kernelFamily: uk.KernelFamily.Unikraft,
                        machineType: "c3-standard-4",
                        zone: "us-central1-a",
                    },
                    opts,
                ),
            ["machineType"],
            /no gVNIC network driver/,
        ));
});

//! `deploy/`: the Kubernetes manifests meet the "restricted" Pod Security
//! Standard with a qualified image name and a ReadWriteMany volume, and
//! the Dockerfile builds and runs on one Debian release.
//!
//! The restricted profile's required fields, per
//! <https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted>:
//! `runAsNonRoot: true` (pod or every container) and no `runAsUser: 0`;
//! `allowPrivilegeEscalation: false` and `capabilities.drop` holding `ALL`
//! in every container, with nothing added but `NET_BIND_SERVICE`;
//! `seccompProfile.type` `RuntimeDefault` or `Localhost` (pod or every
//! container); no privileged container, no host namespaces, no host ports
//! or `hostPath` volumes: only configMap, csi, downwardAPI, emptyDir,
//! ephemeral, persistentVolumeClaim, projected and secret volumes.

use std::path::{Path, PathBuf};

use serde_json::Value;

fn deploy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy")
}

fn manifests() -> Vec<(String, Value)> {
    let dir = deploy().join("kubernetes");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            let value: Value =
                serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{name} is not YAML: {e}"));
            (name, value)
        })
        .collect()
}

/// The pod spec of a workload manifest, if it is one.
fn pod_spec(doc: &Value) -> Option<&Value> {
    match doc["kind"].as_str()? {
        "Pod" => Some(&doc["spec"]),
        "Job" | "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => {
            Some(&doc["spec"]["template"]["spec"])
        }
        "CronJob" => Some(&doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]),
        _ => None,
    }
}

/// Every violation of the restricted profile in one pod spec.
fn restricted_violations(pod: &Value) -> Vec<String> {
    let mut v = Vec::new();
    let pod_sc = &pod["securityContext"];
    for host in ["hostNetwork", "hostPID", "hostIPC"] {
        if pod[host] == Value::Bool(true) {
            v.push(format!("{host} is set"));
        }
    }
    let allowed_volumes = [
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    ];
    for volume in pod["volumes"].as_array().into_iter().flatten() {
        for key in volume.as_object().unwrap().keys() {
            if key != "name" && !allowed_volumes.contains(&key.as_str()) {
                v.push(format!("volume type {key} is not allowed"));
            }
        }
    }
    if pod_sc["runAsUser"] == 0 {
        v.push("the pod runs as user 0".into());
    }
    let containers = ["containers", "initContainers"]
        .iter()
        .flat_map(|k| pod[*k].as_array().into_iter().flatten());
    let mut any = false;
    for c in containers {
        any = true;
        let name = c["name"].as_str().unwrap_or("?");
        let sc = &c["securityContext"];
        if !(sc["runAsNonRoot"] == true
            || (pod_sc["runAsNonRoot"] == true && sc["runAsNonRoot"] != false))
        {
            v.push(format!("{name}: runAsNonRoot is not true"));
        }
        if sc["runAsUser"] == 0 {
            v.push(format!("{name}: runs as user 0"));
        }
        if sc["allowPrivilegeEscalation"] != false {
            v.push(format!("{name}: allowPrivilegeEscalation is not false"));
        }
        if sc["privileged"] == true {
            v.push(format!("{name}: privileged"));
        }
        let drop = sc["capabilities"]["drop"].as_array();
        if !drop.is_some_and(|d| d.iter().any(|x| x.as_str() == Some("ALL"))) {
            v.push(format!("{name}: capabilities.drop does not hold ALL"));
        }
        for add in sc["capabilities"]["add"].as_array().into_iter().flatten() {
            if add.as_str() != Some("NET_BIND_SERVICE") {
                v.push(format!("{name}: adds capability {add}"));
            }
        }
        let seccomp = |sc: &Value| {
            matches!(
                sc["seccompProfile"]["type"].as_str(),
                Some("RuntimeDefault" | "Localhost")
            )
        };
        let unconfined = sc["seccompProfile"]["type"] == "Unconfined";
        if !(seccomp(sc) || (seccomp(pod_sc) && !unconfined)) {
            v.push(format!(
                "{name}: no RuntimeDefault or Localhost seccomp profile"
            ));
        }
        for port in c["ports"].as_array().into_iter().flatten() {
            if port.get("hostPort").is_some_and(|p| p.as_i64() != Some(0)) {
                v.push(format!("{name}: host port"));
            }
        }
        let image = c["image"].as_str().unwrap_or("");
        let registry = image.split('/').next().unwrap_or("");
        if !(image.contains('/') && (registry.contains('.') || registry.contains(':'))) {
            v.push(format!(
                "{name}: image `{image}` does not name its registry (registry.example.com/nines:TAG)"
            ));
        }
        let last = image.rsplit('/').next().unwrap_or("");
        if !(last.contains(':') || last.contains('@')) {
            v.push(format!("{name}: image `{image}` has no tag"));
        }
    }
    if !any {
        v.push("no containers".into());
    }
    v
}

#[test]
fn every_pod_meets_the_restricted_pod_security_standard() {
    let mut pods = 0;
    for (name, doc) in manifests() {
        if let Some(pod) = pod_spec(&doc) {
            pods += 1;
            let violations = restricted_violations(pod);
            assert!(
                violations.is_empty(),
                "{name} breaks the restricted Pod Security Standard:\n{}",
                violations.join("\n")
            );
            // The image's user owns the volume it writes to.
            assert_eq!(pod["securityContext"]["fsGroup"], 65532, "{name}");
            assert_eq!(pod["securityContext"]["runAsUser"], 65532, "{name}");
        }
    }
    assert_eq!(pods, 2, "the shard Job and the merge Job");
}

#[test]
fn the_check_finds_what_the_restricted_profile_refuses() {
    let pod: Value = serde_saphyr::from_str(
        "containers:
  - name: x
    image: nines:0.1.0
    securityContext: { capabilities: { add: [SYS_ADMIN] } }
volumes:
  - name: h
    hostPath: { path: /var }
",
    )
    .unwrap();
    let v = restricted_violations(&pod).join("\n");
    for expected in [
        "volume type hostPath",
        "runAsNonRoot is not true",
        "allowPrivilegeEscalation is not false",
        "capabilities.drop does not hold ALL",
        "adds capability",
        "seccomp",
        "does not name its registry",
    ] {
        assert!(v.contains(expected), "{expected} not found in:\n{v}");
    }
}

#[test]
fn the_parts_volume_is_read_write_many_and_said_so() {
    let pvc = manifests()
        .into_iter()
        .find(|(_, d)| d["kind"] == "PersistentVolumeClaim")
        .expect("a PersistentVolumeClaim")
        .1;
    assert_eq!(
        pvc["spec"]["accessModes"],
        serde_json::json!(["ReadWriteMany"])
    );
    let readme = std::fs::read_to_string(deploy().join("kubernetes/README.md")).unwrap();
    assert!(readme.contains("The volume must be ReadWriteMany"));
    assert!(readme.contains("restricted"));
}

#[test]
fn the_dockerfile_builds_and_runs_on_one_debian_release() {
    let text = std::fs::read_to_string(deploy().join("Dockerfile")).unwrap();
    let arg = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("ARG {name}=")))
            .map(str::to_string)
    };
    let froms: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("FROM "))
        .map(|l| {
            let image = l.split_whitespace().next().unwrap().to_string();
            let mut image = image;
            for name in ["DEBIAN", "RUST"] {
                if let Some(value) = arg(name) {
                    image = image.replace(&format!("${{{name}}}"), &value);
                }
            }
            image
        })
        .collect();
    assert_eq!(froms.len(), 2, "a build and a run stage: {froms:?}");
    let release = |image: &str| {
        ["bookworm", "trixie", "bullseye"]
            .into_iter()
            .find(|r| image.contains(r))
            .map(str::to_string)
    };
    let (build, run) = (&froms[0], &froms[1]);
    assert!(build.starts_with("rust:"), "{build}");
    assert!(run.starts_with("debian:"), "{run}");
    assert!(release(build).is_some(), "{build} names no Debian release");
    assert_eq!(release(build), release(run), "{build} vs {run}");
    // The build image's Rust is at least the crate's rust-version.
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let msrv = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .unwrap()
        .trim_matches('"');
    assert_eq!(arg("RUST").as_deref(), Some(msrv));
    assert!(text.contains("USER 65532:65532"));
}

//! The adapter conformance suite (`lamina_tests::suite`) and the Connect
//! conformance cases, over real sockets on 127.0.0.1 (and a Unix socket),
//! under `smol::block_on` and inside a multi-threaded `smol::Executor`; plus
//! curl when installed.

use core::future::Future;
use core::net::SocketAddr;
use core::time::Duration;
use std::sync::Arc;

use embedded_io_adapters::futures_03::FromFutures;
use lamina::app::{App, Chain};
use lamina_smol::{Config, serve};
use lamina_tests::suite::{self, Transport};
use smol::net::{TcpListener, TcpStream};
use smol::{Executor, channel, future};

/// Every test's bound: a bug fails the test instead of hanging CI.
const BOUND: Duration = Duration::from_secs(60);

struct Tcp(SocketAddr);

impl Transport for Tcp {
    type Conn = FromFutures<TcpStream>;

    async fn connect(&self) -> Self::Conn {
        FromFutures::new(TcpStream::connect(self.0).await.expect("connect"))
    }

    async fn sleep(&self, ms: u64) {
        smol::Timer::after(Duration::from_millis(ms)).await;
    }

    async fn close(&self, conn: Self::Conn) {
        drop(conn);
    }
}

/// `work`'s output, or `None` after [`BOUND`].
async fn bounded<T>(work: impl Future<Output = T>) -> Option<T> {
    future::or(async { Some(work.await) }, async {
        smol::Timer::after(BOUND).await;
        None
    })
    .await
}

/// Serves `app` on a fresh port while `client` runs, then shuts the server
/// down and checks that it returned.
async fn with_server<C: Chain + 'static, R>(
    app: App<C>,
    config: Config,
    client: impl AsyncFnOnce(SocketAddr) -> R,
) -> R {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = channel::bounded::<()>(1);
    let server = serve(listener, app, config).with_graceful_shutdown(async move {
        let _ = stopped.recv().await;
    });
    let (served, out) = future::zip(server, async {
        let out = client(addr).await;
        stop.close();
        out
    })
    .await;
    served.expect("the server ends without an error");
    out
}

async fn demo_suite() -> Vec<String> {
    let config = Config::new().http(suite::config());
    bounded(with_server(lamina_demo::app(), config, async |addr| suite::demo(&Tcp(addr)).await))
        .await
        .expect("the suite finishes")
}

fn assert_passed(failures: &[String]) {
    assert!(failures.is_empty(), "{} failing:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn demo_suite_under_block_on() {
    assert_passed(&smol::block_on(demo_suite()));
}

#[test]
fn demo_suite_inside_a_multi_threaded_executor() {
    // Two threads run the executor; the server is awaited in `run` on this
    // one (it is not `Send`, so it is not spawned).
    let ex = Arc::new(Executor::new());
    let (quit, quitting) = channel::bounded::<()>(1);
    let helper = {
        let ex = ex.clone();
        std::thread::spawn(move || smol::block_on(ex.run(quitting.recv())))
    };
    let failures = smol::block_on(ex.run(demo_suite()));
    quit.close();
    helper.join().expect("the helper thread").expect_err("closed");
    assert_passed(&failures);
}

#[cfg(unix)]
#[test]
fn demo_suite_over_a_unix_socket() {
    use smol::net::unix::{UnixListener, UnixStream};
    struct Unix(std::path::PathBuf);
    impl Transport for Unix {
        type Conn = FromFutures<UnixStream>;
        async fn connect(&self) -> Self::Conn {
            FromFutures::new(UnixStream::connect(&self.0).await.expect("connect"))
        }
        async fn sleep(&self, ms: u64) {
            smol::Timer::after(Duration::from_millis(ms)).await;
        }
        async fn close(&self, conn: Self::Conn) {
            drop(conn);
        }
    }
    let path = std::env::temp_dir().join(format!("lamina-smol-suite-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let failures = smol::block_on(async {
        let listener = UnixListener::bind(&path).expect("bind a Unix socket");
        let (stop, stopped) = channel::bounded::<()>(1);
        let server =
            serve(listener, lamina_demo::app(), Config::new().http(suite::config())).with_graceful_shutdown(async {
                let _ = stopped.recv().await;
            });
        let client = async {
            let failures = suite::demo(&Unix(path.clone())).await;
            stop.close();
            failures
        };
        let (served, failures) = bounded(future::zip(server, client)).await.expect("bounded");
        served.expect("the server ends without an error");
        failures
    });
    let _ = std::fs::remove_file(&path);
    assert_passed(&failures);
}

#[test]
fn connect_conformance_cases_over_tcp() {
    suite::check_conformance_cases(|app, case, expect| {
        smol::block_on(async {
            let client = async |addr| suite::conformance(&Tcp(addr), case, expect).await;
            bounded(with_server(app, Config::new(), client)).await
        })
        .unwrap_or_else(|| Err(format!("{}: timed out", case.id)))
    });
}

#[test]
fn curl_reads_what_the_adapter_serves() {
    if std::process::Command::new("curl").arg("--version").output().is_err() {
        eprintln!("curl is not installed: skipped");
        return;
    }
    let out = smol::block_on(with_server(lamina_demo::app(), Config::new(), async |addr| {
        smol::unblock(move || {
            let url = format!("http://{addr}");
            std::process::Command::new("curl")
                .args(["-sS", "--max-time", "10", "-i", &format!("{url}/hello"), "--next", "-sS", "-d", "ping"])
                .arg(format!("{url}/echo"))
                .output()
                .expect("curl runs")
        })
        .await
    }));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "curl failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.starts_with("HTTP/1.1 200 OK\r\n"), "{stdout}");
    assert!(stdout.contains("\r\nX-Powered-By: lamina\r\n"), "{stdout}");
    // The second transfer reuses the connection and echoes the form body.
    assert!(stdout.ends_with("hello from lamina\nping"), "{stdout}");
}

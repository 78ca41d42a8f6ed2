//! The adapter conformance suite (`lamina_tests::suite`) and the Connect
//! conformance cases, over real sockets on 127.0.0.1 (and a Unix socket),
//! on a current-thread and a multi-thread runtime; plus curl when installed.

use core::net::SocketAddr;
use core::time::Duration;

use embedded_io_adapters::tokio_1::FromTokio;
use lamina::app::{App, Chain};
use lamina_tests::suite::{self, Transport};
use lamina_tokio::{Config, serve};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// Every test's bound: a bug fails the test instead of hanging CI.
const BOUND: Duration = Duration::from_secs(60);

struct Tcp(SocketAddr);

impl Transport for Tcp {
    type Conn = FromTokio<TcpStream>;

    async fn connect(&self) -> Self::Conn {
        FromTokio::new(TcpStream::connect(self.0).await.expect("connect"))
    }

    async fn sleep(&self, ms: u64) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }

    async fn close(&self, conn: Self::Conn) {
        drop(conn);
    }
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
    let (stop, stopped) = oneshot::channel::<()>();
    let server = serve(listener, app, config).with_graceful_shutdown(async {
        let _ = stopped.await;
    });
    let (served, out) = tokio::join!(server, async {
        let out = client(addr).await;
        let _ = stop.send(());
        out
    });
    served.expect("the server ends without an error");
    out
}

fn runtime(multi_thread: bool) -> tokio::runtime::Runtime {
    let mut builder = if multi_thread {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    builder.enable_all().build().expect("a runtime")
}

fn demo_suite(multi_thread: bool) {
    let failures = runtime(multi_thread).block_on(async {
        let config = Config::new().http(suite::config());
        tokio::time::timeout(BOUND, with_server(lamina_demo::app(), config, async |addr| suite::demo(&Tcp(addr)).await))
            .await
            .expect("the suite finishes")
    });
    assert!(failures.is_empty(), "{} failing:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn demo_suite_on_a_current_thread_runtime() {
    demo_suite(false);
}

#[test]
fn demo_suite_on_a_multi_thread_runtime() {
    demo_suite(true);
}

#[cfg(unix)]
#[test]
fn demo_suite_over_a_unix_socket() {
    struct Unix(std::path::PathBuf);
    impl Transport for Unix {
        type Conn = FromTokio<tokio::net::UnixStream>;
        async fn connect(&self) -> Self::Conn {
            FromTokio::new(tokio::net::UnixStream::connect(&self.0).await.expect("connect"))
        }
        async fn sleep(&self, ms: u64) {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        async fn close(&self, conn: Self::Conn) {
            drop(conn);
        }
    }
    let path = std::env::temp_dir().join(format!("lamina-tokio-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let failures = runtime(false).block_on(async {
        let listener = tokio::net::UnixListener::bind(&path).expect("bind a Unix socket");
        let (stop, stopped) = oneshot::channel::<()>();
        let server =
            serve(listener, lamina_demo::app(), Config::new().http(suite::config())).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
        let client = async {
            let failures = suite::demo(&Unix(path.clone())).await;
            let _ = stop.send(());
            failures
        };
        let (served, failures) =
            tokio::time::timeout(BOUND, async { tokio::join!(server, client) }).await.expect("bounded");
        served.expect("the server ends without an error");
        failures
    });
    let _ = std::fs::remove_file(&path);
    assert!(failures.is_empty(), "{} failing:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn connect_conformance_cases_over_tcp() {
    let rt = runtime(false);
    suite::check_conformance_cases(|app, case, expect| {
        rt.block_on(async {
            let client = async |addr| suite::conformance(&Tcp(addr), case, expect).await;
            tokio::time::timeout(BOUND, with_server(app, Config::new(), client)).await
        })
        .unwrap_or_else(|_| Err(format!("{}: timed out", case.id)))
    });
}

#[test]
fn curl_reads_what_the_adapter_serves() {
    if std::process::Command::new("curl").arg("--version").output().is_err() {
        eprintln!("curl is not installed: skipped");
        return;
    }
    let out = runtime(true).block_on(async {
        with_server(lamina_demo::app(), Config::new(), async |addr| {
            tokio::task::spawn_blocking(move || {
                let url = format!("http://{addr}");
                std::process::Command::new("curl")
                    .args(["-sS", "--max-time", "10", "-i", &format!("{url}/hello"), "--next", "-sS", "-d", "ping"])
                    .arg(format!("{url}/echo"))
                    .output()
                    .expect("curl runs")
            })
            .await
            .expect("the blocking task")
        })
        .await
    });
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "curl failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.starts_with("HTTP/1.1 200 OK\r\n"), "{stdout}");
    assert!(stdout.contains("\r\nX-Powered-By: lamina\r\n"), "{stdout}");
    // The second transfer reuses the connection and echoes the form body.
    assert!(stdout.ends_with("hello from lamina\nping"), "{stdout}");
}

#[test]
fn hypers_client_reads_what_the_adapter_serves() {
    use http_body_util::{BodyExt, Full};
    use hyper::Request;
    use hyper::body::Bytes;

    runtime(false).block_on(async {
        with_server(lamina_demo::app(), Config::new(), async |addr| {
            let stream = TcpStream::connect(addr).await.expect("connect");
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.expect("handshake");
            let driver = tokio::spawn(conn);
            // Sequential requests on one connection: keep-alive as hyper sees it.
            let get = Request::get("/hello").header("host", "suite").body(Full::new(Bytes::new())).expect("request");
            let res = sender.send_request(get).await.expect("GET /hello");
            assert_eq!(res.status(), 200);
            assert_eq!(res.headers()["x-powered-by"], "lamina");
            assert_eq!(res.into_body().collect().await.expect("body").to_bytes(), "hello from lamina\n");

            sender.ready().await.expect("the connection is kept alive");
            let head = Request::head("/hello").header("host", "suite").body(Full::new(Bytes::new())).expect("request");
            let res = sender.send_request(head).await.expect("HEAD /hello");
            assert_eq!(res.headers()["content-length"], "18");
            assert!(res.into_body().collect().await.expect("body").to_bytes().is_empty());

            let missing = Request::get("/nope").header("host", "suite").body(Full::new(Bytes::new())).expect("request");
            sender.ready().await.expect("the connection is kept alive");
            assert_eq!(sender.send_request(missing).await.expect("GET /nope").status(), 404);
            // Last: a response that starts streaming while the body is still
            // coming announces `Connection: close` (were the app to stop
            // reading, the rest could exceed what the server drains).
            sender.ready().await.expect("the connection is kept alive");
            let big: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
            let post = Request::post("/echo")
                .header("host", "suite")
                .body(Full::new(Bytes::from(big.clone())))
                .expect("request");
            let res = sender.send_request(post).await.expect("POST /echo");
            assert_eq!(res.status(), 200);
            assert_eq!(res.into_body().collect().await.expect("body").to_bytes(), big);

            drop(sender);
            driver.await.expect("the connection task").expect("hyper saw a clean connection");
        })
        .await;
    });
}

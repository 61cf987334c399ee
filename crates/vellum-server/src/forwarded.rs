//! Behind a load balancer every connection comes from the balancer: for the operator's
//! trusted proxies, the client's own address is taken from `X-Forwarded-For` and put where
//! the rest of the server reads it (the connection info), so rate limits, the sign-in
//! throttle and the audit trail see people, not the proxy.

use std::{net::SocketAddr, sync::Arc};

use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};
use vellum_domain::proxy::{client_address, Cidr};

pub async fn client(State(trusted): State<Arc<Vec<Cidr>>>, mut req: Request, next: Next) -> Response {
    if trusted.is_empty() {
        return next.run(req).await;
    }
    if let Some(peer) = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0) {
        let headers: Vec<&str> =
            req.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
        let ip = client_address(peer.ip(), &headers, &trusted);
        req.extensions_mut().insert(ConnectInfo(SocketAddr::new(ip, peer.port())));
    }
    next.run(req).await
}

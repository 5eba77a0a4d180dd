//! STUB (replaced by the geodesy branch)
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TransverseMercator {
    pub lon0: f64,
    pub fe: f64,
    pub fnn: f64,
    pub k0: f64,
}
impl TransverseMercator {
    pub fn new(
        _a: f64,
        _f: f64,
        lon0_deg: f64,
        _lat0_deg: f64,
        k0: f64,
        false_easting: f64,
        false_northing: f64,
    ) -> Self {
        TransverseMercator {
            lon0: lon0_deg,
            fe: false_easting,
            fnn: false_northing,
            k0,
        }
    }
    pub fn gauss_kruger_3deg(zone: u32, with_prefix: bool) -> Self {
        Self::new(
            6378137.0,
            0.0,
            zone as f64 * 3.0,
            0.0,
            1.0,
            if with_prefix {
                zone as f64 * 1e6 + 5e5
            } else {
                5e5
            },
            0.0,
        )
    }
    pub fn forward(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            (lon - self.lon0) * 111319.49 * lat.to_radians().cos() + self.fe,
            lat * 110574.0 + self.fnn,
        )
    }
    pub fn inverse(&self, e: f64, n: f64) -> (f64, f64) {
        let lat = (n - self.fnn) / 110574.0;
        (
            (e - self.fe) / (111319.49 * lat.to_radians().cos()) + self.lon0,
            lat,
        )
    }
}

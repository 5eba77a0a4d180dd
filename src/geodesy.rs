//! STUB (replaced by the geodesy branch)
use geo::{Coord, MultiPolygon, Polygon, Rect};
pub const GRS80_A: f64 = 6378137.0;
pub const GRS80_F: f64 = 1.0 / 298.257222101;
pub const M2_PER_MU: f64 = 10000.0 / 15.0;
pub fn m2_to_mu(m2: f64) -> f64 {
    m2 / M2_PER_MU
}
#[derive(Clone, Copy, Debug)]
pub struct EqualArea {
    lat0: f64,
    lon0: f64,
}
impl EqualArea {
    pub fn fitted(b: Rect<f64>) -> Self {
        let c = b.center();
        EqualArea {
            lat0: c.y,
            lon0: c.x,
        }
    }
    pub fn forward(&self, c: Coord<f64>) -> Coord<f64> {
        let k = 111319.49;
        Coord {
            x: (c.x - self.lon0) * k * self.lat0.to_radians().cos(),
            y: (c.y - self.lat0) * k,
        }
    }
    pub fn inverse(&self, c: Coord<f64>) -> Coord<f64> {
        let k = 111319.49;
        Coord {
            x: c.x / (k * self.lat0.to_radians().cos()) + self.lon0,
            y: c.y / k + self.lat0,
        }
    }
    pub fn polygon_area(&self, p: &Polygon<f64>) -> f64 {
        use geo::Area;
        self.project_polygon(p).unsigned_area()
    }
    pub fn multi_polygon_area(&self, mp: &MultiPolygon<f64>) -> f64 {
        mp.0.iter().map(|p| self.polygon_area(p)).sum()
    }
    pub fn project_polygon(&self, p: &Polygon<f64>) -> Polygon<f64> {
        use geo::MapCoords;
        p.map_coords(|c| self.forward(c))
    }
    pub fn project_multi_polygon(&self, mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        use geo::MapCoords;
        mp.map_coords(|c| self.forward(c))
    }
    pub fn unproject_multi_polygon(&self, mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        use geo::MapCoords;
        mp.map_coords(|c| self.inverse(c))
    }
}
pub fn geodesic_distance(a: Coord<f64>, b: Coord<f64>) -> f64 {
    use geo::{Distance, Haversine};
    Haversine.distance(geo::Point(a), geo::Point(b))
}
pub fn geodesic_polygon_area(p: &Polygon<f64>) -> f64 {
    EqualArea::fitted(geo::BoundingRect::bounding_rect(p).unwrap()).polygon_area(p)
}
